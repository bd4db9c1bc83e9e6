/* The kitchen display: tickets new → in progress → ready → served, oldest first, live.
   Each tap asks the server for one named move from the status the card showed; the
   server's state machine decides, and a refused move shows the server's reason. A card
   that has just moved or appeared under the finger ignores taps for a moment, so a double
   tap never bumps the ticket that slid into the first one's place. Each ticket shows its
   order type; the chips on top show only some types (a to-go station: takeout, online and
   kiosk), kept in the screen's address and in this tablet's storage. */
"use strict";

(() => {
  const { page, $, h, api, toast, coalesce, live, eightySixList, TYPES, typeWord, typeBadge } = TS;
  let tickets = page.tickets;
  const FILTER = "tableside.kitchen.types";
  let types = page.types; // the order types shown; empty: every type
  let menu = page.menu;
  const seen = new Set(tickets.map((t) => t.id));
  const fresh = new Set();
  const moving = new Set();
  // Where each card was drawn, and when it last moved there: a tap that lands within
  // SETTLE_MS of a card arriving under the finger was meant for what was there before.
  const SETTLE_MS = 500;
  const placed = new Map(); // ticket id → "left,top" on the page
  const settledAt = new Map(); // ticket id → performance.now() when it got there
  const NEXT = { new: "in_progress", in_progress: "ready", ready: "served" };
  const ACTION = { new: "Start", in_progress: "Ready", ready: "Served" };
  const LANES = ["new", "in_progress", "ready"];

  function age(ticket) {
    const minutes = Math.max(0, Math.floor((Date.now() - Date.parse(ticket.created_at)) / 60000));
    return minutes < 1 ? "just now" : `${minutes} min`;
  }

  function card(ticket) {
    const busy = moving.has(ticket.id);
    const lines = ticket.lines.map((line) =>
      h(
        "span",
        { class: `ticket-line ${line.voided ? "voided" : ""}` },
        h("span", { class: "seat-chip", text: line.seat === 0 ? "Shared" : `S${line.seat}` }),
        h(line.voided ? "s" : "span", { class: "what", text: `${line.quantity}× ${line.name}` }),
        line.voided ? h("span", { class: "void-tag", text: "VOID" }) : null,
        ...line.modifiers.map((mod) => h("span", { class: "mod", text: mod })),
        line.note ? h("span", { class: "note", text: line.note }) : null,
      ),
    );
    const minutes = (Date.now() - Date.parse(ticket.created_at)) / 60000;
    // A check with no table (takeout, online, kiosk) goes by its guest's name, else its number.
    const where = ticket.table_label
      ? `Table ${ticket.table_label}`
      : ticket.guest_name || `Check #${ticket.check_number}`;
    const numbered = where !== `Check #${ticket.check_number}`;
    return h(
      "article",
      {
        class: `ticket status-${ticket.status} ${fresh.has(ticket.id) ? "fresh" : ""} ${minutes >= 15 ? "late" : ""}`,
        dataset: { ticketId: ticket.id, status: ticket.status, type: ticket.type },
      },
      h(
        "button",
        {
          type: "button",
          class: "ticket-body",
          disabled: busy,
          "aria-label": `${typeWord(ticket.type)}, ${where}${numbered ? `, check ${ticket.check_number}` : ""}: ${ACTION[ticket.status]}`,
          onclick: () => tap(ticket, NEXT[ticket.status]),
        },
        h(
          "span",
          { class: "ticket-head" },
          typeBadge(ticket.type),
          h("strong", { class: "where", text: where }),
          numbered ? h("span", { text: `#${ticket.check_number}` }) : null,
          ticket.pickup_at
            ? h("span", {
                class: "pickup",
                text: `Pickup ${new Date(ticket.pickup_at).toLocaleTimeString([], { hour: "numeric", minute: "2-digit" })}`,
              })
            : null,
          ticket.server_name && !ticket.guest_name ? h("span", { class: "server", text: ticket.server_name }) : null,
          h("span", { class: "age", dataset: { created: ticket.created_at }, text: age(ticket) }),
        ),
        ...lines,
        h("span", { class: "bump", text: busy ? "…" : `${ACTION[ticket.status]} ›` }),
      ),
      ticket.status === "ready"
        ? h("button", {
            type: "button",
            class: "btn small ghost recall",
            disabled: busy,
            text: "Recall to the line",
            onclick: () => tap(ticket, "in_progress"),
          })
        : null,
    );
  }

  function render() {
    for (const status of LANES) {
      const inLane = tickets
        .filter((t) => t.status === status)
        .sort((a, b) => Date.parse(a.created_at) - Date.parse(b.created_at));
      $(`#lane-${status}`).replaceChildren(
        ...(inLane.length ? inLane.map(card) : [h("p", { class: "empty-hint", text: "—" })]),
      );
      $(`#count-${status}`).textContent = String(inLane.length);
    }
    notePlaces();
  }

  function notePlaces() {
    const now = performance.now();
    const seen = new Set();
    for (const node of document.querySelectorAll(".ticket[data-ticket-id]")) {
      const id = node.dataset.ticketId;
      const box = node.getBoundingClientRect();
      const where = `${Math.round(box.left + window.scrollX)},${Math.round(box.top + window.scrollY)}`;
      seen.add(id);
      if (placed.get(id) !== where) {
        placed.set(id, where);
        settledAt.set(id, now);
      }
    }
    for (const id of [...placed.keys()]) {
      if (!seen.has(id)) {
        placed.delete(id);
        settledAt.delete(id);
      }
    }
  }

  function tap(ticket, target) {
    if (performance.now() - (settledAt.get(ticket.id) || 0) < SETTLE_MS) return;
    move(ticket, target);
  }

  async function move(ticket, target) {
    if (moving.has(ticket.id) || !target) return;
    moving.add(ticket.id);
    fresh.delete(ticket.id);
    render();
    // The move is named, with the status the card showed: a ticket that has moved on
    // meanwhile (another screen, a tap already on its way) is not moved again.
    const result = await api("POST", `/tickets/${ticket.id}/status`, {
      status: target,
      from_status: ticket.status,
    });
    moving.delete(ticket.id);
    if (result.ok) {
      const moved = result.body;
      tickets = tickets.filter((t) => t.id !== moved.id);
      if (LANES.includes(moved.status)) tickets.push(moved);
    } else {
      // Already moved: nothing to say, the screen just shows where it is now.
      if (result.code !== "ticket_already_moved") toast(result.message, "bad");
      reload();
    }
    render();
  }

  // --- which order types are shown -----------------------------------------------------------

  function query() {
    return types.map((type) => `type=${encodeURIComponent(type)}`).join("&");
  }

  function renderFilter() {
    const chip = (label, value, current) =>
      h("button", {
        type: "button",
        class: `tab ${current ? "current" : ""} ${value ? `type-${value}` : ""}`,
        "aria-pressed": current ? "true" : "false",
        dataset: { type: value || "all" },
        text: label,
        onclick: () => choose(value),
      });
    $("#type-filter").replaceChildren(
      chip("All", null, types.length === 0),
      ...TYPES.map((type) => chip(typeWord(type), type, types.includes(type))),
    );
  }

  /** All shows every type; a type's chip adds it to those shown, or takes it away. */
  function choose(type) {
    if (type === null) types = [];
    else if (types.includes(type)) types = types.filter((t) => t !== type);
    else types = TYPES.filter((t) => t === type || types.includes(t));
    if (types.length === TYPES.length) types = [];
    remember();
    renderFilter();
    reload();
  }

  function remember() {
    localStorage.setItem(FILTER, JSON.stringify(types));
    const search = query();
    history.replaceState(null, "", search ? `/kitchen?${search}` : "/kitchen");
  }

  /** A tablet opened on plain /kitchen keeps the types it showed last. */
  function recall() {
    if (types.length) return remember();
    let stored = [];
    try {
      stored = JSON.parse(localStorage.getItem(FILTER) || "[]");
    } catch (error) {
      stored = [];
    }
    stored = Array.isArray(stored) ? TYPES.filter((t) => stored.includes(t)) : [];
    if (!stored.length || stored.length === TYPES.length) return;
    types = stored;
    remember();
    tickets = tickets.filter((t) => types.includes(t.type)); // until the reload answers
    reload();
  }

  const reload = coalesce(async () => {
    const search = query();
    const result = await api("GET", search ? `/tickets?${search}` : "/tickets");
    if (!result.ok) return;
    tickets = result.body.tickets;
    for (const t of tickets) {
      if (!seen.has(t.id)) {
        seen.add(t.id);
        fresh.add(t.id);
      }
    }
    render();
  });

  const reloadMenu = coalesce(async () => {
    const result = await api("GET", "/menu");
    if (result.ok) {
      menu = result.body;
      if ($("#eighty-six-dialog").open) show86();
    }
  });

  function show86() {
    eightySixList($("#eighty-six"), menu, show86);
  }

  $("#open-86").addEventListener("click", () => {
    show86();
    $("#eighty-six-dialog").showModal();
  });

  live({
    after: page.last_seq,
    onEvent(event) {
      if (event.type.startsWith("ticket.")) reload();
      else if (event.type === "menu.updated") reloadMenu();
    },
    onResync() {
      reload();
      reloadMenu();
    },
  });

  // The ages on the cards move on by themselves; nothing is asked of the server for that.
  setInterval(() => {
    for (const node of document.querySelectorAll(".age[data-created]")) {
      node.textContent = age({ created_at: node.dataset.created });
    }
  }, 30000);

  recall();
  renderFilter();
  render();
})();
