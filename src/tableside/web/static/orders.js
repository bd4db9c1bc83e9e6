/* Staff: online and kiosk orders with where each stands, kept live by the feed (orders,
   tickets, the pause); hand one over with "Picked up"; a manager pauses online ordering in
   one tap; the owner sets how many orders a 15-minute pickup slot takes. */
"use strict";

(() => {
  const { page, $, h, api, fmt, toast, live, coalesce } = TS;
  const CONFIRMING = "Confirming payment";
  const LABELS = {
    received: "Received",
    in_kitchen: "In the kitchen",
    ready: "Ready",
    picked_up: "Picked up",
    cancelled: "Cancelled",
  };
  let orders = page.orders.orders;
  let settings = page.online_ordering;

  function time(iso) {
    return iso ? new Date(iso).toLocaleTimeString([], { hour: "numeric", minute: "2-digit" }) : "—";
  }

  function render() {
    const accepting = $("#accepting");
    accepting.textContent = settings.accepting_orders ? "Taking online orders" : "Online ordering paused";
    accepting.className = `banner ${settings.accepting_orders ? "good" : "warn"}`;
    const toggle = $("#pause-toggle");
    if (toggle) toggle.textContent = settings.accepting_orders ? "Pause online ordering" : "Resume online ordering";
    const capacity = $("#slot-capacity");
    if (capacity && document.activeElement !== capacity) capacity.value = settings.slot_capacity;
    const link = $("#public-url");
    link.textContent = settings.public_url;
    link.setAttribute("href", settings.public_url);
    const body = $("#orders");
    body.replaceChildren(
      ...orders.map((o) =>
        h(
          "tr",
          { dataset: { order: o.id, status: o.status } },
          h("td", { text: `#${o.number}` }),
          h("td", { text: o.kind }),
          h("td", {}, o.name, o.phone ? h("small", { text: ` ${o.phone}` }) : null),
          h("td", { text: o.kind === "online" ? time(o.pickup_at) : "Now" }),
          h("td", { text: String(o.items) }),
          h("td", { text: fmt(o.total_cents) }),
          o.status === "received" && !o.paid
            ? h("td", { class: "order-status confirming", text: CONFIRMING })
            : h("td", { class: `order-status ${o.status}`, text: LABELS[o.status] || o.status }),
          h(
            "td",
            {},
            o.status === "ready"
              ? h("button", { type: "button", class: "btn primary", text: "Picked up", onclick: () => pickUp(o) })
              : null,
          ),
        ),
      ),
    );
    $("#orders-empty").hidden = orders.length > 0;
  }

  async function pickUp(order) {
    const result = await api("POST", `/orders/${order.id}/picked-up`);
    if (!result.ok) toast(result.message, "bad");
    reload();
  }

  const reload = coalesce(async () => {
    const [list, current] = await Promise.all([api("GET", "/orders"), api("GET", "/online-ordering")]);
    if (list.ok) orders = list.body.orders;
    if (current.ok) settings = current.body;
    render();
  });

  const toggle = $("#pause-toggle");
  if (toggle) {
    toggle.addEventListener("click", async () => {
      const result = await api("PUT", "/online-ordering", { accepting_orders: !settings.accepting_orders });
      if (!result.ok) toast(result.message, "bad");
      else settings = result.body;
      render();
    });
  }
  const save = $("#slot-save");
  if (save) {
    save.addEventListener("click", async () => {
      const value = Number($("#slot-capacity").value);
      const result = await api("PUT", "/online-ordering", { slot_capacity: value });
      if (!result.ok) toast(result.message, "bad");
      else {
        settings = result.body;
        toast("Saved.", "good");
      }
      render();
    });
  }

  render();
  live({
    after: page.last_seq,
    onEvent: (event) => {
      if (["order.updated", "ticket.updated", "ticket.created", "online_ordering.updated"].includes(event.type)) {
        reload();
      }
    },
    onResync: reload,
  });
})();
