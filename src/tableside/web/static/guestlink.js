/* Guest pays: on the check screen, a QR code that opens this check on the guests' phones
   (their own page, /g/<token>), where they see what is left and pay by card. Every tap makes
   a new link (earlier ones keep working); "Stop guest links" ends every link of this check
   at once. Their payments reach this screen live, as any payment does. Load after
   tableside.js. */
"use strict";

(() => {
  const { page, $, h, api, toast } = TS;
  const open = $("#guest-pays");
  if (!open || !page.check) return;
  const checkId = page.check.id;

  const qr = h("img", { class: "guest-qr", id: "guest-qr", alt: "QR code of the guests' link" });
  const url = h("a", { class: "guest-url", id: "guest-url", target: "_blank", rel: "noopener" });
  const until = h("p", { class: "hint", id: "guest-until" });
  const error = h("p", { class: "message error", id: "guest-error", role: "alert", hidden: true });
  const stop = h("button", {
    type: "button",
    class: "btn danger big",
    id: "guest-stop",
    text: "Stop guest links",
  });
  const done = h("button", { type: "submit", class: "btn primary big", id: "guest-done", text: "Done" });
  const dialog = h(
    "dialog",
    { class: "sheet guest-link", id: "guest-dialog", "aria-labelledby": "guest-dialog-title" },
    h(
      "form",
      { method: "dialog" },
      h("h2", { id: "guest-dialog-title", text: "Guests pay from their phones" }),
      h("p", {
        class: "hint",
        text: "Let the table scan this code: each guest sees the check and pays all of it, " +
          "their part or an amount, by card.",
      }),
      qr,
      url,
      until,
      error,
      h("div", { class: "actions" }, stop, done),
    ),
  );
  document.body.append(dialog);

  const time = (iso) =>
    new Date(iso).toLocaleString("en-US", { weekday: "short", hour: "numeric", minute: "2-digit" });

  open.addEventListener("click", async () => {
    open.disabled = true;
    const result = await api("POST", `/checks/${checkId}/guest-link`);
    open.disabled = false;
    if (!result.ok) {
      toast(result.message, "bad");
      return;
    }
    const link = result.body;
    qr.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(link.qr_svg)}`;
    url.href = link.url;
    url.textContent = link.url;
    until.textContent =
      `Works while the check is open (until ${time(link.expires_at)}); once it is paid it ` +
      "shows the receipt for a day.";
    error.hidden = true;
    stop.disabled = false;
    dialog.showModal();
  });

  stop.addEventListener("click", async () => {
    stop.disabled = true;
    const result = await api("DELETE", `/checks/${checkId}/guest-link`);
    stop.disabled = false;
    if (!result.ok) {
      error.textContent = result.message;
      error.hidden = false;
      return;
    }
    dialog.close();
    toast(
      result.body.revoked
        ? "Guest links stopped: the code no longer opens this check."
        : "No guest link was working on this check.",
      "good",
    );
  });
})();
