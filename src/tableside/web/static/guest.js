/* Pay at the table: the guest's own page for one check, opened from the QR code on the
   table. Made for a phone: the lines, what is left, the split parts; pay all of it, a part
   or an amount, with a tip, by card.

   The rules this page keeps are the payment screen's (pay.js; DESIGN invariant 5), and the
   attempt itself, its key and its retries, is the same code's (payment.js, TSPayment):
   - One Idempotency-Key per payment attempt, made when Pay is tapped and sent again on every
     Retry of that attempt. It is kept in localStorage until the attempt has a final answer,
     so a reload or a dropped connection still retries the *same* payment.
   - "Paid — thank you" only when the server says the check is closed (a 201 whose check is
     closed, or the check read back closed). Anything that is not a final answer (504, 409
     payment_in_progress, 429, a lost connection, a 5xx other than 502) is "Not confirmed
     yet" with a Retry that reuses the key.
   - One request at a time: Pay and Retry are disabled while one is out, and after 2 s the
     page says what it waits for; it never offers a second charge meanwhile.
   - The check is read again every few seconds while the page is in view (guests have no
     live feed); an attempt left "Not confirmed yet" is asked about again, on its key, as
     soon as its payment is no longer pending. */
"use strict";

(() => {
  const { page, $, h, api, fmt, whileInView } = TS;
  const token = page.token;
  let check = page.check;
  const ATTEMPT = `tableside.guest.attempt.${token}`;
  const CARDS = {
    pm_card_visa: "Visa ···4242",
    pm_card_chargeDeclined: "declined test card",
    pm_card_chargeDeclinedInsufficientFunds: "insufficient-funds test card",
  };
  const REFRESH_MS = 4000;
  const form = {
    scope: check.split ? "split" : "balance",
    part: null,
    tip: 0, // basis points of the amount, or "custom"
    card: "pm_card_visa",
  };
  let outcomeShown = false;
  let ended = false; // the link stopped working

  // --- the attempt awaiting an answer ----------------------------------------------------------

  const payment = TSPayment.attempts({
    storageKey: ATTEMPT,
    path: `/guest/checks/${token}/payments`,
    unknownStatuses: [429], // turned away by the guests' limits: kept, to retry on its key
    goneMeansSettled: true, // the guest's check lists only captured and pending payments
    answeredHint: "The card processor has answered; getting the outcome…",
    waitLabel: () => "Paying…",
    waitNotice: (body, seconds) =>
      `Still waiting for the card processor (${seconds} s). Please don't pay again: this ` +
      "payment is safe to retry and can never charge twice.",
    outcomeShown: () => outcomeShown,
    render: renderForm,
    on: { captured, declined, failed, unknown, refused },
  });

  // --- what is being paid ----------------------------------------------------------------------

  const { shareOf } = TSPayment;
  const { selectedPart, amountCents, tipCents, mark } = TSPayment.choices(
    form,
    () => check,
    renderForm,
  );

  /** The request body and, when it cannot be sent, why not. */
  function draft() {
    const amount = amountCents();
    const tip = tipCents(amount);
    if (check.status !== "open") return { problem: "This check is already paid." };
    if (check.payable_cents <= 0) {
      return { problem: "Nothing can be paid right now: a payment is still being confirmed." };
    }
    if (form.scope === "split" && !selectedPart()) return { problem: "Every part is paid." };
    if (amount === null || amount <= 0) return { problem: "Enter the amount you are paying." };
    if (amount > check.payable_cents) {
      return { problem: `At most ${fmt(check.payable_cents)} is left to pay.` };
    }
    if (tip === null) return { problem: "Enter the tip as an amount, e.g. 5.00." };
    const maxTip = shareOf(amount, check.restaurant.max_tip_bp);
    if (tip > maxTip) {
      return { problem: `A tip can be at most ${fmt(maxTip)} on ${fmt(amount)} here.` };
    }
    const body = { amount_cents: amount, tip_cents: tip, payment_method: form.card };
    if (form.scope === "split" && form.part !== null) body.split_part = form.part;
    return { body };
  }

  // --- rendering ---------------------------------------------------------------------------------

  function renderCheck() {
    const where = check.table_label ? `Table ${check.table_label} · ` : "";
    $("#guest-title").textContent = `${where}Check #${check.number}`;
    const receipt = check.status === "closed";
    for (const [id, text] of [
      ["#receipt-header", check.restaurant.receipt_header],
      ["#receipt-footer", check.restaurant.receipt_footer],
    ]) {
      $(id).hidden = !(receipt && text);
      $(id).textContent = text || "";
    }
    const seats = new Set(check.lines.map((line) => line.seat));
    $("#guest-lines").replaceChildren(
      ...check.lines.map((line) =>
        h(
          "li",
          { class: "guest-line" },
          h(
            "div",
            { class: "what" },
            h("span", { class: "name", text: `${line.quantity > 1 ? `${line.quantity}× ` : ""}${line.name}` }),
            line.modifiers.length
              ? h("small", { text: line.modifiers.map((m) => m.name).join(", ") })
              : null,
            seats.size > 1 ? h("small", { class: "seat", text: line.seat ? `Seat ${line.seat}` : "Shared" }) : null,
          ),
          h("span", { class: "price", text: fmt(line.total_cents) }),
        ),
      ),
    );
    if (!check.lines.length) {
      $("#guest-lines").append(h("li", { class: "empty-hint", text: "Nothing on this check yet." }));
    }
    const pending = check.payments.filter((p) => p.status === "pending");
    const held = pending.reduce((sum, p) => sum + p.amount_cents, 0);
    const rows = [
      ...TS.totalRows(check),
      check.paid_cents ? ["Paid", check.paid_cents] : null,
      held ? ["Being confirmed", held] : null,
      ["Left to pay", check.balance_cents, "balance"],
    ];
    $("#guest-totals").replaceChildren(...TS.amountList(rows, "total"));
    const parts = new Map(((check.split && check.split.parts) || []).map((p) => [p.part, p.label]));
    $("#guest-payments").hidden = !check.payments.length;
    $("#guest-payments").replaceChildren(
      ...check.payments.map((p) =>
        h(
          "li",
          { class: `payment ${p.status}` },
          h("span", {
            text: `${p.tender === "card" ? "Card" : "Cash"} ${fmt(p.amount_cents)}` +
              (parts.has(p.split_part) ? ` · ${parts.get(p.split_part)}` : ""),
          }),
          h("span", { class: "chip", text: p.status === "pending" ? "being confirmed" : "paid" }),
        ),
      ),
    );
    const note = $("#guest-pending");
    note.hidden = !pending.length;
    note.textContent = pending.length
      ? `A card payment of ${fmt(held)} is being confirmed; it is held off what is left until then.`
      : "";
  }

  function renderTips() {
    const presets = check.restaurant.tip_presets_bp || [];
    const choices = [["No tip", 0], ...presets.map((bp) => [`${bp / 100}%`, bp]), ["Other", "custom"]];
    $("#tip").replaceChildren(
      ...choices.map(([label, value]) =>
        h("button", {
          type: "button",
          class: "btn",
          role: "radio",
          dataset: { tip: String(value) },
          text: label,
        }),
      ),
    );
  }

  function renderForm() {
    const open = check.status === "open" && !ended;
    $("#pay-form").hidden = outcomeShown || !open;
    $("#pay-form").classList.toggle("busy", payment.inFlight);
    const splitButton = $("[data-scope='split']");
    splitButton.hidden = !check.split;
    if (!check.split && form.scope === "split") form.scope = "balance";
    mark();
    renderParts();
    renderDue(open);
  }

  function renderParts() {
    if (!check.split) {
      $("#split-parts").replaceChildren();
      return;
    }
    const chosen = selectedPart();
    $("#split-parts").replaceChildren(
      ...check.split.parts.map((part) =>
        h(
          "button",
          {
            type: "button",
            class: `btn part ${chosen && chosen.part === part.part ? "current" : ""} ${part.left_cents ? "" : "paid"}`,
            disabled: part.left_cents === 0,
            "aria-pressed": String(Boolean(chosen && chosen.part === part.part)),
            dataset: { part: String(part.part) },
            onclick: () => {
              form.part = part.part;
              renderForm();
            },
          },
          h("span", { class: "name", text: part.label }),
          h("span", { class: "price", text: fmt(part.amount_cents) }),
          h("small", {
            text: part.paid
              ? "Paid ✓"
              : part.left_cents === 0
                ? "Being paid"
                : part.left_cents < part.amount_cents
                  ? `${fmt(part.left_cents)} left`
                  : "",
          }),
        ),
      ),
    );
  }

  function renderDue(open) {
    const { body, problem } = draft();
    const amount = amountCents() || 0;
    const tip = tipCents(amount) || 0;
    const rows = [
      ["Amount", amount],
      ["Tip", tip],
      ["Charge", amount + tip, "total"],
    ];
    $("#due").replaceChildren(...TS.amountList(rows, "due"));
    const button = $("#pay-button");
    button.disabled = payment.inFlight || !open || !body;
    if (!payment.inFlight) button.textContent = `Pay ${fmt(amount + tip)}`;
    const error = $("#form-error");
    error.hidden = !problem || !open;
    error.textContent = problem || "";
  }

  // --- outcomes --------------------------------------------------------------------------------

  const OUTCOME_BUTTONS = ["retry", "again", "form", "done"];

  function showOutcome(kind, title, message, hint, buttons) {
    outcomeShown = true;
    const box = TSPayment.showOutcome(kind, title, message, hint, buttons, OUTCOME_BUTTONS);
    renderForm();
    box.scrollIntoView({ block: "nearest" });
  }

  function hideOutcome() {
    outcomeShown = false;
    $("#outcome").hidden = true;
    $("#outcome").dataset.kind = "";
  }

  function backToForm() {
    hideOutcome();
    renderCheck();
    renderForm();
    if (check.status !== "open") showPaid();
  }

  function showPaid() {
    showOutcome(
      "paid",
      "Paid — thank you",
      `Check #${check.number} is paid in full. Your receipt is below.`,
      "",
      [],
    );
  }

  function showEnded(message) {
    ended = true;
    payment.forget();
    showOutcome("refused", "This link does not work any more", message, "", []);
  }

  function describe(body) {
    return `${fmt(body.amount_cents + body.tip_cents)} on the ${CARDS[body.payment_method] || "card"}`;
  }

  function showUnconfirmed(message) {
    showOutcome(
      "unconfirmed",
      "Not confirmed yet",
      message,
      `Retry asks again about this same payment (${describe(payment.current.body)}); it can ` +
        "never charge your card twice. Please don't pay it another way until this is settled.",
      ["retry"],
    );
  }

  // What each answer shows; TSPayment has kept or forgotten the attempt's key by then.

  function captured(result, sent) {
    const body = result.body || {};
    clearForm();
    const after = body.check || {};
    const settled =
      after.status === "closed" && (body.table === null || (body.table && body.table.status === "available"));
    if (settled) {
      check.status = "closed";
      showOutcome(
        "paid",
        "Paid — thank you",
        `${describe(sent.body)} paid. Check #${check.number} is paid in full.`,
        "Your receipt is below.",
        [],
      );
    } else {
      showOutcome(
        "partial",
        "Payment received",
        `${describe(sent.body)} paid. ${fmt(after.balance_cents)} is still left on this check.`,
        "",
        ["done"],
      );
    }
    reloadCheck();
  }

  function declined(result) {
    showOutcome("declined", "Card declined", result.message, "Try another card.", ["form"]);
    reloadCheck();
  }

  function failed(result) {
    showOutcome("failed", "Nothing was charged", result.message, "", ["again", "form"]);
    reloadCheck();
  }

  function unknown(result) {
    const message =
      result.status === 0
        ? "The connection dropped before the answer came, so we don't know yet whether " +
          "your card was charged."
        : result.message;
    showUnconfirmed(message);
    reloadCheck();
  }

  function refused(result) {
    if (result.status === 404) {
      showEnded(result.message);
      return;
    }
    // 422, 409 check_not_open, 400: nothing was taken.
    showOutcome("refused", "Not paid", result.message, "Nothing was charged.", [
      result.code === "check_not_open" ? "done" : "form",
    ]);
    reloadCheck();
  }

  function clearForm() {
    $("#other-amount").value = "";
    $("#tip-custom").value = "";
    form.part = null;
    if (form.scope === "other") form.scope = check.split ? "split" : "balance";
  }

  function pay() {
    payment.start(() => draft().body);
  }

  // --- reading the check again -------------------------------------------------------------------

  let reading = false;
  async function reloadCheck() {
    if (reading || ended) return;
    reading = true;
    const result = await api("GET", `/guest/checks/${token}`, undefined, { keepOn401: true });
    reading = false;
    if (result.status === 404 && !payment.current) {
      showEnded(result.message);
      return;
    }
    if (!result.ok) return;
    check = result.body;
    renderCheck();
    if (payment.askAgainIfSettled(check.payments)) return;
    const shown = $("#outcome").dataset.kind;
    if (check.status !== "open") {
      // Paid in full (by this phone, another or the terminal): nothing is left to do here.
      if (shown !== "paid" && shown !== "unconfirmed") showPaid();
    } else if (!outcomeShown) {
      renderForm();
    }
  }

  whileInView(REFRESH_MS, () => {
    if (!payment.inFlight) reloadCheck();
  });

  // --- wiring ----------------------------------------------------------------------------------

  $("#pay-button").addEventListener("click", pay);
  $("#outcome-retry").addEventListener("click", payment.retry); // the same key, the same body
  $("#outcome-again").addEventListener("click", payment.again); // after a 502: a new key
  $("#outcome-form").addEventListener("click", backToForm);
  $("#outcome-done").addEventListener("click", backToForm);

  renderTips();
  renderCheck();
  renderForm();
  if (payment.current) {
    showUnconfirmed(
      `A payment started on this phone (${describe(payment.current.body)}) has not been ` +
        "confirmed yet.",
    );
    payment.askAgainIfSettled(check.payments);
  } else if (check.status !== "open") {
    showPaid();
  }
})();
