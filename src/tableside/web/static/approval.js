/* A manager's approval on the spot. When the API answers 403 manager_approval_required
   (a server voiding a sent line, giving a discount or comp, refunding), a PIN pad asks a
   manager to type their PIN on this tablet, and the same request is sent again with
   {"approval": {"pin": …}}: it runs as the server, with the manager recorded as approving.
   A wrong PIN keeps the pad open with the API's own words (and counts against this tablet,
   as a wrong login PIN does). Load after tableside.js. */
"use strict";

const TSApproval = (() => {
  const { h } = TS;
  const MAX = 8;
  const REFUSED = new Set(["approval_refused", "invalid_pin_format", "locked_out"]);

  let pin = "";
  let answer = null; // resolves the PIN typed (or null: cancelled)

  const dots = h("div", { class: "pin-dots", id: "approval-dots", role: "status" });
  const why = h("p", { class: "hint", id: "approval-why" });
  const error = h("p", { class: "message error", id: "approval-error", role: "alert", hidden: true });
  const approve = h("button", { type: "submit", class: "btn primary big", id: "approval-ok", text: "Approve" });
  const cancel = h("button", { type: "button", class: "btn big", id: "approval-cancel", text: "Cancel" });
  const key = (value, props, extra) =>
    h("button", { type: "button", class: `key ${extra || ""}`, dataset: { key: value }, ...props });
  const keypad = h(
    "div",
    { class: "keypad", id: "approval-keypad", role: "group", "aria-label": "Manager PIN" },
    ..."123456789".split("").map((d) => key(d, { text: d })),
    key("clear", { text: "Clear" }, "muted"),
    key("0", { text: "0" }),
    key("back", { text: "⌫", "aria-label": "Delete last digit" }, "muted"),
  );
  const form = h(
    "form",
    { method: "dialog", id: "approval-form" },
    h("h2", { id: "approval-title", text: "Manager approval" }),
    why,
    dots,
    keypad,
    error,
    h("div", { class: "actions" }, cancel, approve),
  );
  const dialog = h(
    "dialog",
    { class: "sheet approval", id: "approval-dialog", "aria-labelledby": "approval-title" },
    form,
  );
  document.body.append(dialog);

  function showPin() {
    dots.replaceChildren(
      ...Array.from({ length: Math.max(4, pin.length) }, (_, i) => h("span", { class: i < pin.length ? "filled" : "" })),
    );
    dots.setAttribute("aria-label", `${pin.length} digits entered`);
    approve.disabled = pin.length < 4;
  }

  function press(value) {
    if (approve.dataset.busy) return;
    error.hidden = true;
    if (value === "clear") pin = "";
    else if (value === "back") pin = pin.slice(0, -1);
    else if (/^\d$/.test(value) && pin.length < MAX) pin += value;
    showPin();
  }

  function settle(value) {
    const done = answer;
    answer = null;
    if (done) done(value);
  }

  keypad.addEventListener("click", (event) => {
    const pressed = event.target.closest("[data-key]");
    if (pressed) press(pressed.dataset.key);
  });
  dialog.addEventListener("keydown", (event) => {
    if (/^\d$/.test(event.key)) press(event.key);
    else if (event.key === "Backspace") press("back");
    else return;
    event.preventDefault();
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (pin.length >= 4 && !approve.dataset.busy) settle(pin);
  });
  cancel.addEventListener("click", () => dialog.close());
  dialog.addEventListener("close", () => settle(null));

  function open(message) {
    pin = "";
    why.textContent = message;
    error.hidden = true;
    delete approve.dataset.busy;
    approve.textContent = "Approve";
    showPin();
    if (!dialog.open) dialog.showModal();
    approve.focus();
  }

  function typed() {
    return new Promise((resolve) => {
      answer = resolve;
    });
  }

  function busy(on) {
    if (on) approve.dataset.busy = "1";
    else delete approve.dataset.busy;
    approve.disabled = on || pin.length < 4;
    cancel.disabled = on;
    approve.textContent = on ? "Checking…" : "Approve";
  }

  /**
   * ``send(approval)`` makes the request, with ``approval`` ({pin}) or without (undefined),
   * and returns TS.api's result. Sent once without; if a manager must approve, the PIN pad
   * asks for one and it is sent again with it, as often as a wrong PIN is refused. Returns
   * the final result, or null when the pad was cancelled (nothing was changed).
   */
  async function withManager(send) {
    let result = await send(undefined);
    if (result.status !== 403 || result.code !== "manager_approval_required") return result;
    open(result.message);
    for (;;) {
      const entered = await typed();
      if (entered === null) return null;
      busy(true);
      result = await send({ pin: entered });
      busy(false);
      if (!REFUSED.has(result.code)) {
        dialog.close();
        return result;
      }
      pin = "";
      showPin();
      error.textContent = result.message;
      error.hidden = false;
    }
  }

  return { withManager };
})();
