/* Payment: whole balance, a part of a split, or another amount; card or cash; tip.

   The rules this screen keeps (DESIGN invariant 5, ORIGINAL 1 and 5); the attempt itself,
   its key and its retries, is payment.js's (TSPayment):
   - One Idempotency-Key per payment attempt, made when Pay is pressed and reused for every
     retry of that attempt. It is kept in localStorage until the attempt has a final answer,
     so leaving the screen, reloading or logging in again still retries the *same* payment.
   - "Paid — table is free" is shown only for a 201 whose check is closed and whose table is
     available. Anything that is not a final answer (504, 409 payment_in_progress, a lost
     connection, a 5xx, a 401 from an ended login) is "Not confirmed yet" with a Retry that
     reuses the key.
   - One request at a time: Pay and Retry are disabled while one is out. After 2 s the
     screen says what it is waiting for; it never offers a second charge meanwhile.
   - An attempt left "Not confirmed yet" is asked about again, on its key, as soon as the
     live feed shows its payment is no longer pending: the stored final answer is what
     the screen then shows, exactly as a tap on Retry would. */
"use strict";

(() => {
  const { page, $, h, api, fmt, parseMoney, coalesce, live } = TS;
  let check = page.check;
  const ATTEMPT = `tableside.attempt.${check.id}`;
  const CARDS = {
    pm_card_visa: "Visa",
    pm_card_chargeDeclined: "declined test card",
    pm_card_chargeDeclinedInsufficientFunds: "insufficient-funds test card",
  };
  const form = {
    scope: check.split ? "split" : "balance",
    part: null,
    tender: "card",
    card: "pm_card_visa",
    tip: 0,
    ways: Math.min(50, Math.max(2, check.guests)),
  };
  let outcomeShown = false;

  // --- the attempt awaiting an answer ----------------------------------------------------------

  const payment = TSPayment.attempts({
    storageKey: ATTEMPT,
    path: `/checks/${check.id}/payments`,
    unknownStatuses: [401], // a login that ended: kept, to retry on its key after logging in
    goneMeansSettled: false, // the check lists every payment, ended ones too
    answeredHint: "The processor has answered; getting the outcome…",
    waitLabel: (body) => (body.tender === "card" ? "Charging…" : "Recording…"),
    waitNotice: (body, seconds) =>
      body.tender === "card"
        ? `Still waiting for the card processor (${seconds} s) — don't charge again; this ` +
          "payment is safe to retry: it can never charge twice."
        : `Still waiting for the server (${seconds} s) — don't take this cash again; this ` +
          "payment is safe to retry: it can never be taken twice.",
    outcomeShown: () => outcomeShown,
    render: renderForm,
    on: { captured, declined, failed, unknown, refused },
  });

  // --- what is being paid ----------------------------------------------------------------------

  // What a part may still be charged, as the server counts it: only payments made against
  // this split count towards its parts.
  const partLeft = (part) => part.left_cents;

  const { selectedPart, amountCents, tipCents, mark } = TSPayment.choices(
    form,
    () => check,
    renderForm,
  );

  function tenderedCents(due) {
    const text = $("#cash-tendered").value.trim();
    return text === "" ? due : parseMoney(text);
  }

  /** The request body and, when it cannot be sent, why not (in the floor's words). */
  function draft() {
    const amount = amountCents();
    const tip = tipCents(amount);
    if (check.status !== "open") return { problem: `This check is ${check.status}.` };
    if (check.payable_cents <= 0) {
      return { problem: "Nothing can be paid right now (a payment is still being confirmed)." };
    }
    if (amount === null || amount <= 0) return { problem: "Enter the amount being paid." };
    if (amount > check.payable_cents) {
      return { problem: `At most ${fmt(check.payable_cents)} can be paid on this check.` };
    }
    if (tip === null) return { problem: "Enter the tip as an amount, e.g. 5.00." };
    const body = { tender: form.tender, amount_cents: amount, tip_cents: tip };
    if (form.tender === "card") {
      body.payment_method = form.card;
    } else {
      const tendered = tenderedCents(amount + tip);
      if (tendered === null) return { problem: "Enter the cash handed over, e.g. 50.00." };
      if (tendered < amount + tip) {
        return { problem: `Cash handed over is ${fmt(amount + tip - tendered)} short.` };
      }
      body.cash_tendered_cents = tendered;
    }
    if (form.scope === "split" && form.part !== null) body.split_part = form.part;
    return { body };
  }

  // --- rendering ---------------------------------------------------------------------------------

  function renderSummary() {
    $("#pay-title").textContent = `${TS.whereOf(check)} · Check #${check.number}`;
    // Paid in full, the summary is the receipt: with the restaurant's header and footer.
    for (const id of ["#receipt-header", "#receipt-footer"]) {
      $(id).hidden = !(check.status === "closed" && $(id).textContent.trim());
    }
    const pending = check.payments.filter((p) => p.status === "pending");
    const held = pending.reduce((sum, p) => sum + p.amount_cents, 0);
    const rows = [
      ...TS.totalRows(check),
      check.paid_cents ? ["Paid", check.paid_cents] : null,
      check.tip_cents ? ["Tips", check.tip_cents] : null,
      held ? ["Being confirmed", held] : null,
      ["Balance", check.balance_cents, "balance"],
    ];
    $("#pay-totals").replaceChildren(...TS.amountList(rows, "total"));
    const note = $("#pending-note");
    note.hidden = !pending.length;
    note.textContent = pending.length
      ? `${pending.length === 1 ? "A card payment" : `${pending.length} card payments`} of ` +
        `${fmt(held)} ${pending.length === 1 ? "is" : "are"} still being confirmed with the ` +
        "processor; it is held off the balance until then."
      : "";
    const list = $("#payment-list");
    list.replaceChildren(
      ...check.payments.map((p) =>
        h(
          "li",
          { class: `payment ${p.status}` },
          h("span", {
            text: `${p.tender === "card" ? "Card" : "Cash"} ${fmt(p.amount_cents)}` +
              (p.tip_cents ? ` + ${fmt(p.tip_cents)} tip` : ""),
          }),
          h("span", { class: "chip", text: p.status }),
        ),
      ),
    );
    if (!check.payments.length) list.append(h("li", { class: "empty-hint", text: "None yet." }));
  }

  function renderForm() {
    const open = check.status === "open";
    $("#pay-form").hidden = outcomeShown;
    $("#pay-form").classList.toggle("busy", payment.inFlight);
    mark();
    $("#outside-split").hidden = !check.split;
    renderSplit();
    TSPayment.markChosen("#tender", (button) => button.dataset.tender === form.tender);
    $("#card-panel").hidden = form.tender !== "card";
    $("#cash-panel").hidden = form.tender !== "cash";
    renderDue(open);
  }

  function renderDue(open) {
    const { body, problem } = draft();
    const amount = amountCents() || 0;
    const tip = tipCents(amount) || 0;
    const due = amount + tip;
    const rows = [
      ["Amount", amount],
      ["Tip", tip],
      [form.tender === "card" ? "Charge" : "Collect", due, "total"],
    ];
    if (form.tender === "cash") {
      const typed = $("#cash-tendered").value.trim() !== "";
      const tendered = tenderedCents(due);
      $("#cash-tendered").placeholder = (due / 100).toFixed(2);
      if (typed && due > 0 && tendered !== null && tendered >= due) {
        rows.push(["Change", tendered - due, "change"]);
      }
      renderQuickCash(due);
    }
    $("#due").replaceChildren(...TS.amountList(rows, "due"));
    const button = $("#pay-button");
    button.disabled = payment.inFlight || !open || !body;
    if (!payment.inFlight) {
      button.textContent = form.tender === "card" ? `Charge ${fmt(due)}` : `Take ${fmt(due)} cash`;
    }
    const error = $("#form-error");
    error.hidden = !problem;
    error.textContent = problem || "";
  }

  function renderQuickCash(due) {
    const steps = [500, 1000, 2000, 5000, 10000];
    const offers = [due, ...steps.map((step) => Math.ceil(due / step) * step)]
      .filter((value, i, all) => value > 0 && all.indexOf(value) === i)
      .slice(0, 5);
    $("#quick-cash").replaceChildren(
      ...offers.map((cents, i) =>
        h("button", {
          type: "button",
          class: "btn",
          text: i === 0 ? `Exact ${fmt(cents)}` : fmt(cents),
          onclick: () => {
            $("#cash-tendered").value = (cents / 100).toFixed(2);
            renderForm();
          },
        }),
      ),
    );
  }

  function renderSplit() {
    const parts = $("#split-parts");
    $("#split-make").hidden = Boolean(check.split);
    if (!check.split) {
      parts.replaceChildren();
      $("#ways").textContent = String(form.ways);
      renderCustomSum();
      return;
    }
    const chosen = selectedPart();
    const kind = { evenly: "Evenly", by_seat: "By seat", custom: "Custom" }[check.split.kind] || "";
    parts.replaceChildren(
      h("p", { class: "hint", text: `${kind} split — tap the part being paid.` }),
      h(
        "div",
        { class: "part-grid" },
        ...check.split.parts.map((part) => {
          const left = partLeft(part);
          return h(
            "button",
            {
              type: "button",
              class: `btn part ${chosen && chosen.part === part.part ? "current" : ""} ${left ? "" : "paid"}`,
              disabled: left === 0,
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
              text: left === 0 ? "Paid ✓" : left < part.amount_cents ? `${fmt(left)} left` : "",
            }),
          );
        }),
      ),
      h("button", {
        type: "button",
        class: "btn ghost",
        text: "Remove split",
        onclick: () => split({ kind: "none" }),
      }),
    );
  }

  function customInputs() {
    return [...document.querySelectorAll("#custom-parts input")];
  }

  function addCustomPart(cents) {
    const input = h("input", {
      inputmode: "decimal",
      autocomplete: "off",
      placeholder: "0.00",
      "aria-label": "Part amount",
      oninput: renderCustomSum,
    });
    if (cents) input.value = (cents / 100).toFixed(2);
    const row = h(
      "div",
      { class: "custom-part" },
      input,
      h("button", {
        type: "button",
        class: "btn small ghost",
        text: "×",
        "aria-label": "Remove this part",
        onclick: () => {
          row.remove();
          renderCustomSum();
        },
      }),
    );
    $("#custom-parts").append(row);
  }

  function renderCustomSum() {
    const values = customInputs().map((input) => parseMoney(input.value));
    const sum = values.reduce((total, v) => total + (v || 0), 0);
    $("#custom-sum").textContent = `${fmt(sum)} of ${fmt(check.payable_cents)}`;
    $("#custom-sum").classList.toggle("bad", sum !== check.payable_cents);
  }

  // --- outcomes --------------------------------------------------------------------------------

  const OUTCOME_BUTTONS = ["retry", "again", "form", "next", "floor"];

  /** ``buttons``: what may come next, the first being the expected next step. */
  function showOutcome(kind, title, message, hint, buttons, changeCents) {
    outcomeShown = true;
    const box = TSPayment.showOutcome(kind, title, message, hint, buttons, OUTCOME_BUTTONS);
    const change = $("#outcome-change");
    change.hidden = !changeCents;
    change.textContent = changeCents ? `Change ${fmt(changeCents)}` : "";
    for (const name of OUTCOME_BUTTONS) {
      const button = $(`#outcome-${name}`);
      const first = buttons[0] === name;
      button.classList.toggle("primary", first);
      button.classList.toggle("huge", first);
      button.classList.toggle("big", !first);
    }
    renderForm();
    box.scrollIntoView({ block: "nearest" });
  }

  /** A payment was taken: the next one starts from a clean form (no cash handed over, no
   *  tip, no amount typed — they were the last guest's). */
  function clearForm() {
    $("#cash-tendered").value = "";
    $("#other-amount").value = "";
    $("#tip-custom").value = "";
    form.tip = 0;
    form.part = null;
    if (form.scope === "other") form.scope = check.split ? "split" : "balance";
  }

  function backToForm() {
    outcomeShown = false;
    $("#outcome").hidden = true;
    renderSummary();
    renderForm();
  }

  function describe(body) {
    const total = body.amount_cents + body.tip_cents;
    return body.tender === "card"
      ? `${fmt(total)} on the ${CARDS[body.payment_method] || "card"}`
      : `${fmt(total)} cash`;
  }

  function showUnconfirmed(message) {
    showOutcome(
      "unconfirmed",
      "Not confirmed yet",
      message,
      `Retry asks again about this same payment (${describe(payment.current.body)}); it ` +
        "can never charge twice. Don't take another card or cash for it until this is settled.",
      ["retry"],
    );
  }

  // What each answer shows; TSPayment has kept or forgotten the attempt's key by then.

  function captured(result, sent) {
    const body = result.body || {};
    check = body.check;
    clearForm();
    renderSummary();
    const taken = body.payment || {};
    const change = taken.change_cents || 0;
    if (body.check.status === "closed" && body.table && body.table.status === "available") {
      showOutcome(
        "paid",
        "Paid — table is free",
        `Table ${check.table_label}, check #${check.number}: ${describe(sent.body)} taken.`,
        "",
        ["floor"],
        change,
      );
    } else if (body.check.status === "closed" && body.table === null && !body.check.table_id) {
      // A check without a table (takeout): closed is the whole of it; no table to free.
      showOutcome(
        "paid",
        "Paid",
        `${TS.whereOf(check)}, check #${check.number}: ${describe(sent.body)} taken.`,
        "",
        ["floor"],
        change,
      );
    } else {
      showOutcome(
        "partial",
        `Payment taken — balance now ${fmt(body.check.balance_cents)}`,
        `${describe(sent.body)} taken.`,
        "The check stays open until the balance is paid.",
        ["next", "floor"],
        change,
      );
    }
  }

  function declined(result) {
    showOutcome("declined", "Card declined", result.message, "The check is unchanged.", ["form"]);
    reloadCheck();
  }

  function failed(result) {
    showOutcome("failed", "Nothing was charged", result.message, "", ["again", "form"]);
    reloadCheck();
  }

  function unknown(result) {
    let message = result.message;
    if (result.status === 0) {
      message =
        "The tablet lost its connection before the answer came, so we don't know yet " +
        "whether the payment went through.";
    } else if (result.status === 401) {
      message = `${result.message} Log in again on this tablet, then come back here to Retry.`;
    }
    showUnconfirmed(message);
    reloadCheck();
  }

  function refused(result) {
    showOutcome("refused", "Not taken", result.message, "Nothing was charged.", ["form"]);
    reloadCheck();
  }

  function pay() {
    payment.start(() => draft().body);
  }

  // --- splitting -------------------------------------------------------------------------------

  async function split(request) {
    const error = $("#form-error");
    const result = await api("PUT", `/checks/${check.id}/split`, request);
    if (!result.ok) {
      error.textContent = result.message;
      error.hidden = false;
      return;
    }
    check = result.body;
    form.part = null;
    if (!check.split) form.scope = "balance";
    renderSummary();
    renderForm();
  }

  // --- wiring ----------------------------------------------------------------------------------

  TSPayment.onChosen("#tender", "tender", (tender) => {
    form.tender = tender;
    renderForm();
  });
  $("#cash-tendered").addEventListener("input", renderForm);
  $("#ways-minus").addEventListener("click", () => {
    form.ways = Math.max(2, form.ways - 1);
    renderForm();
  });
  $("#ways-plus").addEventListener("click", () => {
    form.ways = Math.min(50, form.ways + 1);
    renderForm();
  });
  $("#split-evenly").addEventListener("click", () => split({ kind: "evenly", ways: form.ways }));
  $("#split-by-seat").addEventListener("click", () => split({ kind: "by_seat" }));
  $("#custom-add").addEventListener("click", () => addCustomPart(0));
  $("#split-custom").addEventListener("click", () => {
    const amounts = customInputs().map((input) => parseMoney(input.value));
    if (!amounts.length || amounts.some((a) => a === null || a <= 0)) {
      $("#form-error").textContent = "Give every part an amount, e.g. 25.00.";
      $("#form-error").hidden = false;
      return;
    }
    split({ kind: "custom", amounts });
  });

  $("#pay-button").addEventListener("click", pay);
  $("#outcome-retry").addEventListener("click", payment.retry); // the same key, the same body
  $("#outcome-again").addEventListener("click", payment.again); // after a 502: a new key
  $("#outcome-form").addEventListener("click", backToForm);
  $("#outcome-next").addEventListener("click", () => {
    clearForm();
    if (!check.split && form.scope === "split") form.scope = "balance";
    backToForm();
  });

  // --- live --------------------------------------------------------------------------------------

  const reloadCheck = coalesce(async () => {
    const result = await api("GET", `/checks/${check.id}`);
    if (!result.ok) return;
    check = result.body;
    renderSummary();
    if (!outcomeShown) renderForm();
    payment.askAgainIfSettled(check.payments);
  });

  live({
    after: page.last_seq,
    onEvent(event) {
      TSReady.onEvent(event);
      if (event.data && event.data.check_id === check.id && !payment.inFlight) reloadCheck();
    },
    onResync() {
      TSReady.resync();
      reloadCheck();
    },
  });

  // Two parts to start a custom split with: what is payable, halved.
  const half = Math.ceil(check.payable_cents / 2);
  addCustomPart(half);
  addCustomPart(check.payable_cents - half);

  renderSummary();
  renderForm();
  if (payment.current) {
    showUnconfirmed(
      `A payment started on this tablet (${describe(payment.current.body)}) has not been ` +
        "confirmed yet.",
    );
    payment.askAgainIfSettled(check.payments);
  } else if (check.status !== "open") {
    showOutcome(
      "closed",
      `This check is ${check.status}`,
      "There is nothing left to pay on it.",
      "",
      ["floor"],
    );
  }
})();
