/* The floor: every table where it stands, coloured by status, live. Tap a free table to seat
   a party; tap a seated one to open its check. */
"use strict";

(() => {
  const { page, $, h, api, toast, coalesce, live } = TS;
  let floor = page.floor;
  let section = sessionStorage.getItem("tableside.section") || "all";
  const grid = $("#floor");
  const tabs = $("#sections");

  function render() {
    renderTabs();
    const shown = floor.tables.filter(
      (table) => section === "all" || table.section_id === section,
    );
    // The plan is drawn on a grid the size of what is shown, so one section fills the screen.
    const minX = Math.min(...shown.map((t) => t.x));
    const minY = Math.min(...shown.map((t) => t.y));
    const cols = Math.max(...shown.map((t) => t.x + t.width)) - minX;
    const rows = Math.max(...shown.map((t) => t.y + t.height)) - minY;
    grid.style.setProperty("--cols", String(Math.max(cols, 1)));
    grid.style.setProperty("--rows", String(Math.max(rows, 1)));
    grid.replaceChildren(
      ...shown.map((table) => {
        const seated = table.status === "occupied";
        const detail = seated
          ? `${table.guests || "?"} guest${table.guests === 1 ? "" : "s"}`
          : table.status === "available"
            ? `seats ${table.capacity}`
            : table.status;
        return h(
          "button",
          {
            type: "button",
            class: `table shape-${table.shape} status-${table.status}`,
            dataset: { tableId: table.id, label: table.label, status: table.status },
            "aria-label": `Table ${table.label}, ${seated ? "seated" : table.status}, ${detail}`,
            style: {
              gridColumn: `${table.x - minX + 1} / span ${table.width}`,
              gridRow: `${table.y - minY + 1} / span ${table.height}`,
            },
            onclick: () => open(table),
          },
          h("span", { class: "label", text: table.label }),
          h("span", { class: "detail", text: detail }),
        );
      }),
    );
  }

  function renderTabs() {
    const choices = [{ id: "all", name: "All" }, ...floor.sections];
    if (!choices.some((choice) => choice.id === section)) section = "all";
    tabs.replaceChildren(
      ...choices.map((choice) =>
        h("button", {
          type: "button",
          role: "tab",
          class: `tab ${choice.id === section ? "current" : ""}`,
          "aria-selected": choice.id === section ? "true" : "false",
          text: choice.name,
          onclick: () => {
            section = choice.id;
            sessionStorage.setItem("tableside.section", section);
            render();
          },
        }),
      ),
    );
  }

  function open(table) {
    if (table.status === "occupied" && table.check_id) {
      location.assign(`/checks/${table.check_id}`);
    } else if (table.status === "available") {
      seatDialog(table);
    } else {
      toast(`Table ${table.label} is ${table.status}.`);
    }
  }

  // --- seating ------------------------------------------------------------------------------

  const dialog = $("#seat-dialog");
  const count = $("#guests-count");
  const seatError = $("#seat-error");
  const confirm = $("#seat-confirm");
  let seating = null;
  let guests = 2;

  function setGuests(value) {
    guests = Math.max(1, Math.min(100, value));
    count.textContent = String(guests);
    for (const button of $("#guest-grid").children) {
      button.classList.toggle("current", Number(button.dataset.guests) === guests);
    }
  }

  function seatDialog(table) {
    seating = table;
    $("#seat-title").textContent = `Seat table ${table.label}`;
    $("#seat-capacity").textContent = `How many guests? The table seats ${table.capacity}.`;
    const most = Math.max(8, table.capacity);
    $("#guest-grid").replaceChildren(
      ...Array.from({ length: most }, (_, i) =>
        h("button", {
          type: "button",
          class: "btn guest",
          dataset: { guests: String(i + 1) },
          text: String(i + 1),
          onclick: () => setGuests(i + 1),
        }),
      ),
    );
    seatError.hidden = true;
    confirm.disabled = false;
    setGuests(Math.min(2, table.capacity));
    dialog.showModal();
  }

  $("#guests-minus").addEventListener("click", () => setGuests(guests - 1));
  $("#guests-plus").addEventListener("click", () => setGuests(guests + 1));
  $("#seat-cancel").addEventListener("click", () => dialog.close());
  $("#seat-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    if (confirm.disabled || !seating) return;
    confirm.disabled = true;
    const result = await api("POST", `/tables/${seating.id}/seat`, { guests });
    if (result.ok) {
      location.assign(`/checks/${result.body.id}`);
      return;
    }
    seatError.textContent = result.message;
    seatError.hidden = false;
    confirm.disabled = false;
    refresh();
  });

  // --- live ---------------------------------------------------------------------------------

  const refresh = coalesce(async () => {
    const result = await api("GET", "/floor");
    if (result.ok) {
      floor = result.body;
      render();
    }
  });

  live({
    after: page.last_seq,
    onEvent(event) {
      if (event.type === "table.updated") {
        // Show the change at once; the reload then brings the party's size.
        const table = floor.tables.find((t) => t.id === event.data.table_id);
        if (table) {
          table.status = event.data.status;
          table.check_id = event.data.check_id;
          if (!table.check_id) table.guests = null;
          render();
        }
        refresh();
      } else if (event.type === "check.updated" && event.data.merged_into) {
        refresh(); // a merge changes the party's size at the table that stays
      }
    },
    onResync: refresh,
  });

  render();
})();
