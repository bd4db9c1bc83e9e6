/* Food ready, for the server whose table it is. When the kitchen puts a ticket up, the
   server who seated that table sees a banner on whatever screen they are on ("Table 12:
   food ready", Open and Dismiss) until they dismiss it or the food is served or recalled.
   The signals are kept for the tab (sessionStorage), so going from the floor into a check
   keeps them. A check screen also follows its own check's food (TSReady.follow): a badge
   in its header, "In the kitchen" or "Food ready", live.

   Screens hand it their live feed's events (TSReady.onEvent) and resyncs (TSReady.resync):
   one WebSocket per tablet. */
"use strict";

const TSReady = (() => {
  const { page, h, api, coalesce } = TS;
  const KEY = "tableside.ready";
  const me = page.me ? page.me.id : null;
  let signals = stored();
  let followed = null; // {checkId, badge, load}

  function stored() {
    try {
      const kept = JSON.parse(sessionStorage.getItem(KEY) || "[]");
      return Array.isArray(kept) ? kept : [];
    } catch (error) {
      return [];
    }
  }

  function keep() {
    sessionStorage.setItem(KEY, JSON.stringify(signals));
  }

  const box = h("section", {
    class: "ready-signals",
    id: "ready-signals",
    "aria-label": "Food ready",
    "aria-live": "assertive",
  });
  document.body.append(box);

  function render() {
    box.replaceChildren(
      ...signals.map((signal) =>
        h(
          "div",
          { class: "ready-signal", role: "alert", dataset: { ticketId: signal.ticket_id } },
          h("strong", { class: "what", text: `${signal.label}: food ready` }),
          followed && followed.checkId === signal.check_id
            ? null
            : h("a", {
                class: "btn small open",
                href: `/checks/${signal.check_id}`,
                text: "Open",
                "aria-label": `Open ${signal.label}'s check`,
              }),
          h("button", {
            type: "button",
            class: "btn small dismiss",
            text: "Dismiss",
            "aria-label": `Dismiss: ${signal.label}, food ready`,
            onclick: () => dismiss(signal.ticket_id),
          }),
        ),
      ),
    );
    box.hidden = signals.length === 0;
  }

  function dismiss(ticketId) {
    signals = signals.filter((signal) => signal.ticket_id !== ticketId);
    keep();
    render();
  }

  function signal(data) {
    if (signals.some((s) => s.ticket_id === data.ticket_id)) return;
    const label = TS.whereOf(data);
    signals.push({ ticket_id: data.ticket_id, check_id: data.check_id, label });
    keep();
    render();
    try {
      if (navigator.vibrate) navigator.vibrate([200, 100, 200]);
    } catch (error) {
      // a tablet that cannot buzz still shows the banner
    }
  }

  // --- the followed check's badge -----------------------------------------------------------

  const TEXT = { waiting: "In the kitchen", ready: "Food ready" };

  function show(status) {
    if (!followed) return;
    const badge = followed.badge;
    badge.hidden = !TEXT[status];
    badge.textContent = TEXT[status] || "";
    badge.dataset.kitchen = status || "none";
  }

  /** A check screen: show where this check's food stands, next to ``anchor``. */
  function follow(checkId, anchor) {
    const badge = h("span", {
      class: "badge kitchen-status",
      id: "kitchen-status",
      role: "status",
      hidden: true,
    });
    if (anchor) anchor.after(badge);
    const load = coalesce(async () => {
      const result = await api("GET", `/tickets?check_id=${encodeURIComponent(checkId)}`);
      if (!result.ok) return;
      const statuses = result.body.tickets.map((t) => t.status);
      show(
        statuses.includes("ready")
          ? "ready"
          : statuses.some((s) => s === "new" || s === "in_progress")
            ? "waiting"
            : null,
      );
    });
    followed = { checkId, badge, load };
    render();
    load();
  }

  // --- the live feed ------------------------------------------------------------------------

  function onEvent(event) {
    const data = event.data || {};
    if (!event.type.startsWith("ticket.")) return;
    if (event.type === "ticket.updated") {
      if (data.status === "ready" && me && data.server_id === me) signal(data);
      else if (data.status !== "ready") {
        if (signals.some((s) => s.ticket_id === data.ticket_id)) dismiss(data.ticket_id);
      }
    }
    // Read back rather than applied: a read already on its way must not undo a newer event
    // (the read runs once more after the one in progress: coalesce).
    if (followed && data.check_id === followed.checkId) followed.load();
  }

  function resync() {
    if (followed) followed.load();
  }

  render();
  return { onEvent, follow, resync };
})();
