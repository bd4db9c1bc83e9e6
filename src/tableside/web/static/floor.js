/* The floor: every table where it stands, coloured by status, live. A seated table's tile
   shows whose it is, how long the party has sat, what is left to pay and where its food
   stands (waiting, or ready to run). Tap a free table to seat a party; tap a seated one to
   open its check. Takeout opens a check with no table for the guest named; every open check
   without a table (takeout, online, kiosk) is listed beside the plan, so none is lost. A
   change of the plan in the floor editor redraws it at once. */
"use strict";

(() => {
  const { page, $, h, api, toast, fmt, coalesce, live, typeBadge } = TS;
  let floor = page.floor;
  let section = sessionStorage.getItem("tableside.section") || "all";
  const grid = $("#floor");
  const tabs = $("#sections");
  let origin = { x: 0, y: 0 }; // the grid's top-left: that of the tables shown

  function render() {
    renderTabs();
    const shown = floor.tables.filter(
      (table) => section === "all" || table.section_id === section,
    );
    // The plan is drawn on a grid the size of what is shown, so one section fills the screen.
    origin = shown.length
      ? { x: Math.min(...shown.map((t) => t.x)), y: Math.min(...shown.map((t) => t.y)) }
      : { x: 0, y: 0 };
    const cols = Math.max(1, ...shown.map((t) => t.x + t.width)) - origin.x;
    const rows = Math.max(1, ...shown.map((t) => t.y + t.height)) - origin.y;
    grid.style.setProperty("--cols", String(Math.max(cols, 1)));
    grid.style.setProperty("--rows", String(Math.max(rows, 1)));
    renderAway();
    grid.replaceChildren(...(shown.length ? shown.map(tile) : [emptyFloor()]));
    fit();
  }

  /** What an empty plan says: a restaurant just opened has no tables until someone draws
   *  them, and a manager or the owner is shown where. */
  function emptyFloor() {
    const draws = ["manager", "owner"].includes(page.me.role);
    if (floor.tables.length) {
      return h("p", { class: "empty-hint floor-empty", text: "No tables in this section." });
    }
    return h(
      "div",
      { class: "empty-hint floor-empty" },
      h("p", {
        text: draws
          ? "No tables on the floor yet: draw them on the floor plan."
          : "No tables on the floor yet: a manager draws them on the floor plan.",
      }),
      draws ? h("a", { class: "btn primary", href: "/manager/floor", text: "Draw the floor plan" }) : null,
    );
  }

  /** The open checks without a table, oldest first: type, guest, number, what is left to
   *  pay, whose and since when, and where the food stands. */
  function renderAway() {
    const away = floor.checks_without_table || [];
    $("#away").hidden = away.length === 0;
    $("#away-count").textContent = String(away.length);
    $("#away-list").replaceChildren(
      ...away.map((check) => {
        const kitchen = KITCHEN[check.kitchen_status] ? check.kitchen_status : null;
        return h(
          "button",
          {
            type: "button",
            class: `away-check type-${check.type} ${kitchen ? `kitchen-${kitchen}` : ""}`,
            dataset: { checkId: check.check_id, type: check.type, kitchen: kitchen || "none" },
            "aria-label": `${check.guest_name || "Check"} #${check.number}, ${fmt(check.balance_cents)} to pay`,
            onclick: () => location.assign(`/checks/${check.check_id}`),
          },
          h(
            "span",
            { class: "away-head" },
            typeBadge(check.type),
            h("span", {
              class: "since",
              dataset: { since: check.opened_at, unit: "m" },
              text: `${minutes(check.opened_at)}m`,
            }),
          ),
          h("strong", { class: "away-name", text: check.guest_name || `Check #${check.number}` }),
          h(
            "span",
            { class: "detail" },
            `#${check.number} · ${firstName(check.server_name)} · `,
            h("span", { class: "money", text: fmt(check.balance_cents) }),
          ),
          kitchen ? h("span", { class: `kitchen ${kitchen}`, text: KITCHEN[kitchen] }) : null,
        );
      }),
    );
  }

  /** A seated tile's "Sam · 4 guests": on one line where it fits; on a phone (whose tiles
   *  have a fixed height) on two where the tile has the room; else with the server's
   *  initials ("SR · 4 guests"); else the party alone, the server in the tile's title. */
  function fit() {
    const phone = window.matchMedia("(max-width: 720px)").matches;
    const fits = (node) => node.scrollWidth <= node.clientWidth + 1;
    for (const server of grid.querySelectorAll(".detail .server")) {
      const detail = server.parentElement;
      const tileNode = detail.parentElement;
      if (fits(detail)) continue;
      if (phone) {
        detail.classList.add("two-lines");
        if (tileNode.scrollHeight <= tileNode.clientHeight + 1) continue;
        detail.classList.remove("two-lines");
      }
      tileNode.title = `${server.dataset.name}'s table`;
      server.textContent = `${initials(server.dataset.name)} ·`;
      if (!fits(detail)) server.remove();
    }
  }

  function minutes(since) {
    const at = Date.parse(since);
    return Number.isNaN(at) ? 0 : Math.max(0, Math.floor((Date.now() - at) / 60000));
  }

  const KITCHEN = { waiting: "Waiting", ready: "Ready" };

  function tile(table) {
    const seated = table.status === "occupied";
    const place = {
      gridColumn: `${table.x - origin.x + 1} / span ${table.width}`,
      gridRow: `${table.y - origin.y + 1} / span ${table.height}`,
    };
    if (!seated) {
      return h(
        "button",
        {
          type: "button",
          class: `table shape-${table.shape} status-${table.status}`,
          dataset: { tableId: table.id, label: table.label, status: table.status },
          style: place,
          onclick: () => open(table),
        },
        h("span", { class: "label", text: table.label }),
        h("span", {
          class: "detail",
          text: table.status === "available" ? `seats ${table.capacity}` : table.status,
        }),
      );
    }
    const guests = `${table.guests || "?"} guest${table.guests === 1 ? "" : "s"}`;
    const paidSome = (table.total_cents || 0) > (table.balance_cents || 0);
    const kitchen = KITCHEN[table.kitchen_status] ? table.kitchen_status : null;
    return h(
      "button",
      {
        type: "button",
        class: `table shape-${table.shape} status-occupied ${kitchen ? `kitchen-${kitchen}` : ""}`,
        dataset: {
          tableId: table.id,
          label: table.label,
          status: table.status,
          kitchen: kitchen || "none",
        },
        style: place,
        onclick: () => open(table),
      },
      h(
        "span",
        { class: "tile-head" },
        h("span", { class: "label", text: table.label }),
        table.seated_at
          ? h("span", {
              class: "since",
              dataset: { since: table.seated_at, unit: "m" },
              title: "Minutes seated",
              text: `${minutes(table.seated_at)}m`,
            })
          : null,
      ),
      h(
        "span",
        { class: "money", dataset: { balance: String(table.balance_cents || 0) } },
        fmt(table.balance_cents),
        paidSome ? h("small", { text: " left" }) : null,
      ),
      h(
        "span",
        { class: "detail" },
        table.server_name
          ? h("span", {
              class: "server",
              dataset: { name: table.server_name },
              text: `${firstName(table.server_name)} ·`,
            })
          : null,
        table.server_name ? " " : null,
        h("span", { class: "guests", text: guests }),
      ),
      kitchen
        ? h(
            "span",
            { class: `kitchen ${kitchen}` },
            KITCHEN[kitchen],
            table.kitchen_since
              ? h("span", {
                  class: "since",
                  dataset: { since: table.kitchen_since, unit: "m" },
                  text: ` ${minutes(table.kitchen_since)}m`,
                })
              : null,
          )
        : null,
    );
  }

  function firstName(name) {
    return String(name).trim().split(/\s+/)[0];
  }

  function initials(name) {
    const words = String(name).trim().split(/\s+/);
    return words.map((word) => word[0].toUpperCase()).join("").slice(0, 3);
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

  // --- takeout ------------------------------------------------------------------------------

  const takeout = $("#takeout-dialog");
  const takeoutError = $("#takeout-error");
  const takeoutConfirm = $("#takeout-confirm");

  $("#new-takeout").addEventListener("click", () => {
    $("#takeout-name").value = "";
    $("#takeout-phone").value = "";
    takeoutError.hidden = true;
    takeoutConfirm.disabled = false;
    takeout.showModal();
    $("#takeout-name").focus();
  });
  $("#takeout-cancel").addEventListener("click", () => takeout.close());
  $("#takeout-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    if (takeoutConfirm.disabled) return;
    const name = $("#takeout-name").value.trim();
    const phone = $("#takeout-phone").value.trim();
    if (!name) {
      takeoutError.textContent = "Type the guest's name: the kitchen and the floor call the order by it.";
      takeoutError.hidden = false;
      return;
    }
    takeoutConfirm.disabled = true;
    const result = await api("POST", "/checks", {
      type: "takeout",
      guest_name: name,
      ...(phone ? { guest_phone: phone } : {}),
    });
    if (result.ok) {
      location.assign(`/checks/${result.body.id}`);
      return;
    }
    takeoutError.textContent = result.message;
    takeoutError.hidden = false;
    takeoutConfirm.disabled = false;
  });

  // --- live ---------------------------------------------------------------------------------

  let reading = false;
  const refresh = coalesce(async () => {
    reading = true;
    try {
      const result = await api("GET", "/floor");
      if (result.ok) {
        floor = result.body;
        render();
      }
    } finally {
      reading = false;
    }
  });

  /** An event applied while the floor is being read may predate that read's answer: read
   *  once more after it. */
  function readAgainIfReading() {
    if (reading) refresh();
  }

  const SEATED = [
    "guests",
    "server_id",
    "server_name",
    "seated_at",
    "total_cents",
    "balance_cents",
    "kitchen_status",
    "kitchen_since",
  ];

  function tableOfCheck(checkId) {
    return checkId ? floor.tables.find((t) => t.check_id === checkId) : undefined;
  }

  /** A change to a check without a table (opened, rung, paid, its food): read the floor. */
  function awayChanged(data) {
    if (!data.check_id || data.table_id) return false;
    const listed = (floor.checks_without_table || []).some((c) => c.check_id === data.check_id);
    if (!listed && !(data.type && data.type !== "dine_in")) return false;
    refresh();
    return true;
  }

  /** Where a seated table's food stands after a ticket event; true when only a reload
   *  can say since when (a plate was run and others are still cooking). */
  function kitchenChanged(table, event) {
    const data = event.data || {};
    const was = table.kitchen_status || null;
    let now = was;
    if (event.type === "ticket.created") now = was === "ready" ? "ready" : "waiting";
    else if ("kitchen_status" in data) now = data.kitchen_status || null;
    else return true; // a ticket that followed its party: reload
    if (now !== was) {
      table.kitchen_status = now;
      table.kitchen_since = now ? event.at : null;
    }
    return was === "ready" && now === "waiting";
  }

  live({
    after: page.last_seq,
    onEvent(event) {
      TSReady.onEvent(event);
      const data = event.data || {};
      if (event.type === "table.updated") {
        // Show the change at once.
        const table = floor.tables.find((t) => t.id === data.table_id);
        if (table) {
          table.status = data.status;
          if (table.check_id !== data.check_id) for (const field of SEATED) table[field] = null;
          table.check_id = data.check_id;
          render();
        }
        // A freed table is all here; a party seated or moved in is read back in full.
        if (data.check_id || !table) refresh();
        else readAgainIfReading();
      } else if (event.type === "check.updated") {
        if (awayChanged(data)) return;
        if (data.merged_into) {
          refresh(); // a merge changes the party's size at the table that stays
          return;
        }
        const table = tableOfCheck(data.check_id);
        if (table && typeof data.balance_cents === "number") {
          table.total_cents = data.total_cents;
          table.balance_cents = data.balance_cents;
          render();
        }
        readAgainIfReading();
      } else if (event.type === "floor.updated" || event.type === "staff.updated") {
        // The plan was edited (a table added, moved, removed; a section renamed), or a
        // server's name changed: read the floor again and draw it as it now is.
        refresh();
      } else if (event.type.startsWith("ticket.")) {
        if (awayChanged(data)) return;
        const table = tableOfCheck(data.check_id);
        if (table && kitchenChanged(table, event)) refresh();
        else readAgainIfReading();
        if (table) render();
      }
    },
    onResync() {
      TSReady.resync();
      refresh();
    },
  });

  // Minutes seated and minutes waiting move on by themselves; the server is not asked.
  setInterval(() => {
    for (const node of document.querySelectorAll(".floor-row .since[data-since]")) {
      const text = `${minutes(node.dataset.since)}m`;
      node.textContent = node.parentElement.classList.contains("kitchen") ? ` ${text}` : text;
    }
  }, 30000);

  render();
})();
