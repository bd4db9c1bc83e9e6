/* A guest's order page (/o/<token>): where the order stands, read again every 3 s, so it
   moves from received to in the kitchen to ready for pickup without a reload. */
"use strict";

(() => {
  const { page, $, h, api, fmt, whileInView } = TS;
  const token = page.token;
  const STEPS = ["received", "in_kitchen", "ready", "picked_up"];
  const CONFIRMING = "Confirming your payment…";
  const HEADLINES = {
    received: "Received — the kitchen has your order",
    in_kitchen: "In the kitchen",
    ready: "Ready for pickup",
    picked_up: "Picked up — enjoy!",
    cancelled: "Not ordered: the payment did not go through, and nothing was charged",
  };
  let order = page.order;

  function render() {
    $("#status-number").textContent = `#${order.number}`;
    const when = order.pickup_at
      ? ` · pickup ${new Date(order.pickup_at).toLocaleTimeString([], { hour: "numeric", minute: "2-digit" })}`
      : "";
    $("#status-who").textContent = `${order.name}${when}`;
    const headline = $("#status-headline");
    // Received and not paid yet: the card payment is still being confirmed.
    const confirming = order.status === "received" && !order.paid;
    headline.textContent = confirming ? CONFIRMING : HEADLINES[order.status] || order.status;
    headline.dataset.status = confirming ? "confirming" : order.status;
    const reached = confirming ? -1 : STEPS.indexOf(order.status);
    for (const li of document.querySelectorAll("#status-steps li")) {
      const index = STEPS.indexOf(li.dataset.step);
      li.classList.toggle("done", reached >= 0 && index < reached);
      li.classList.toggle("current", index === reached);
    }
    const lines = $("#status-lines");
    lines.replaceChildren(
      ...order.lines.map((line) =>
        h(
          "li",
          { class: "cart-line" },
          h("span", { class: "qty", text: `${line.quantity}×` }),
          h(
            "span",
            { class: "cart-name" },
            line.name,
            line.modifiers.length ? h("small", { text: line.modifiers.map((m) => m.name).join(", ") }) : null,
          ),
          h("span", { class: "amount", text: fmt(line.total_cents) }),
        ),
      ),
    );
    const totals = $("#status-totals");
    totals.replaceChildren();
    const rows = [["Subtotal", order.subtotal_cents], ["Tax", order.tax_cents]];
    if (order.tip_cents) rows.push(["Tip", order.tip_cents]);
    rows.push(["Paid", order.paid_cents + order.tip_cents]);
    for (const [label, cents] of rows) totals.append(h("dt", { text: label }), h("dd", { text: fmt(cents) }));
  }

  async function refresh() {
    const result = await api("GET", `/public/orders/${token}`, undefined, { keepOn401: true });
    if (result.ok) {
      order = result.body.order;
      render();
    }
  }

  render();
  // Asked every 3 s while the order still has a step to come.
  whileInView(3000, () => {
    if (!["picked_up", "cancelled"].includes(order.status)) refresh();
  });
})();
