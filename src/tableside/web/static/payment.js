/* A payment attempt, as the payment screen (pay.js) and the guest's page (guest.js) take
   one (DESIGN invariant 5; docs/payments.md "Answers"). The screen drafts the body and says
   what each answer shows; this keeps the money rules, which are the same for both:

   - One Idempotency-Key per attempt, made when Pay is tapped and sent again on every Retry
     of that attempt. It is kept in localStorage until the attempt has a final answer, so
     leaving the screen, reloading or a dropped connection still retries the *same* payment.
     A new attempt (Pay again, or Try again after a 502) gets a new key.
   - Only a final answer forgets the key: 201 (taken), 402 (declined), 502 (nothing
     charged) or a refusal. Anything whose outcome is unknown (a lost connection, a 5xx
     other than 502, 409 other than check_not_open, and the screen's own extra statuses)
     keeps the attempt, with the payment's id when the answer names it; the screen shows it
     "Not confirmed yet", never as paid.
   - One request at a time: Retry and Try again are disabled while one is out, and after 2 s
     the screen says what it waits for; a second charge is never offered meanwhile.
   - An attempt left unconfirmed is asked about again, on its key, once the check shows
     its payment is no longer pending: the stored final answer comes back. */
"use strict";

const TSPayment = (() => {
  const { $, api, newKey, parseMoney, keptAttempt } = TS;
  const WAIT_NOTICE_MS = 2000;

  /** A share in basis points of an amount, rounded half up to the cent. */
  const shareOf = (cents, bp) => Math.floor((cents * bp + 5000) / 10000);

  /**
   * What is being paid, chosen alike on both screens and kept in the screen's ``form``
   * ({scope, part, tip, card}): the whole balance, a part of the split or another amount
   * (#scope, #split-parts, #other-amount); the tip, a preset in basis points of the amount
   * or a custom amount (#tip, #tip-custom); the card (#card-choice). ``check()`` is the
   * check as the screen last read it; ``render()`` draws the form again after a choice.
   */
  function choices(form, check, render) {
    /** The part being paid: the chosen one while something is left of it, else the first
     *  that has something left (``form.part`` follows). Only payments made against the
     *  split count towards its parts, as the server counts them (``left_cents``). */
    function selectedPart() {
      if (!check().split) return null;
      const parts = check().split.parts;
      let part = parts.find((p) => p.part === form.part && p.left_cents > 0);
      if (!part) part = parts.find((p) => p.left_cents > 0) || null;
      form.part = part ? part.part : null;
      return part;
    }

    /** The amount being paid; null when the amount typed is not one. */
    function amountCents() {
      if (form.scope === "balance") return check().payable_cents;
      if (form.scope === "split") {
        const part = selectedPart();
        return part ? Math.min(part.left_cents, check().payable_cents) : 0;
      }
      return parseMoney($("#other-amount").value);
    }

    /** The tip on ``amount``; null when the tip typed is not an amount. */
    function tipCents(amount) {
      if (form.tip === "custom") {
        const text = $("#tip-custom").value.trim();
        return text === "" ? 0 : parseMoney(text);
      }
      return shareOf(amount || 0, form.tip);
    }

    const tipOf = (value) => (value === "custom" ? "custom" : Number(value));

    /** Marks what is chosen and shows the panel each choice needs. */
    function mark() {
      markChosen("#scope", (button) => button.dataset.scope === form.scope);
      $("#split-panel").hidden = form.scope !== "split";
      $("#other-panel").hidden = form.scope !== "other";
      markChosen("#tip", (button) => tipOf(button.dataset.tip) === form.tip);
      $("#tip-custom-panel").hidden = form.tip !== "custom";
      markChosen("#card-choice", (button) => button.dataset.card === form.card);
    }

    onChosen("#scope", "scope", (scope) => {
      form.scope = scope;
      if (form.scope === "other") {
        const input = $("#other-amount");
        if (!input.value) input.value = (check().payable_cents / 100).toFixed(2);
      }
      render();
    });
    onChosen("#tip", "tip", (tip) => {
      form.tip = tipOf(tip);
      render();
    });
    onChosen("#card-choice", "card", (card) => {
      form.card = card;
      render();
    });
    for (const id of ["#other-amount", "#tip-custom"]) $(id).addEventListener("input", render);

    return { selectedPart, amountCents, tipCents, mark };
  }

  /** Shows an attempt's outcome (#outcome): its kind (``data-kind``; "unconfirmed" is what
   *  askAgainIfSettled waits on), title, message and hint; of the screen's ``offered``
   *  buttons (#outcome-<name>) only those in ``buttons`` show, enabled. Answers the box. */
  function showOutcome(kind, title, message, hint, buttons, offered) {
    const box = $("#outcome");
    box.hidden = false;
    box.dataset.kind = kind;
    $("#outcome-title").textContent = title;
    $("#outcome-message").textContent = message;
    $("#outcome-hint").textContent = hint || "";
    for (const name of offered) {
      const button = $(`#outcome-${name}`);
      button.hidden = !buttons.includes(name);
      button.disabled = false;
    }
    return box;
  }

  /** Marks the chosen button of a row of choices (``current``, ``aria-checked``). */
  function markChosen(row, isChosen) {
    for (const button of $(row).children) {
      const chosen = isChosen(button);
      button.classList.toggle("current", chosen);
      button.setAttribute("aria-checked", String(chosen));
    }
  }

  /** A tap on one of the row's ``data-<name>`` buttons chooses its value. */
  function onChosen(row, name, chosen) {
    $(row).addEventListener("click", (event) => {
      const button = event.target.closest(`[data-${name}]`);
      if (!button) return;
      chosen(button.dataset[name]);
    });
  }

  /**
   * The attempt of one screen. ``options``:
   * - ``storageKey``: where the attempt awaiting its answer is kept (localStorage);
   * - ``path``: the API path payments are posted to;
   * - ``unknownStatuses``: statuses besides 0, 5xx and 409 whose outcome is unknown;
   * - ``goneMeansSettled``: the screen's check lists only captured and pending payments, so
   *   an attempt's payment missing from it has ended too;
   * - ``answeredHint``: the outcome's hint while a settled attempt is asked about again;
   * - ``waitLabel(body)`` / ``waitNotice(body, seconds)``: the Pay button and the notice
   *   while a request is out;
   * - ``outcomeShown()``: whether the outcome (and so Retry) is what the screen shows;
   * - ``render()``: draws the form again (Pay is disabled while a request is out);
   * - ``on``: what each answer shows — ``captured``, ``declined``, ``failed``, ``unknown``,
   *   ``refused`` — each called as ``(result, sent)`` once the key is kept or forgotten.
   */
  function attempts(options) {
    const { storageKey, path, unknownStatuses, on } = options;
    const kept = keptAttempt(localStorage, storageKey);
    let attempt = kept.load(); // {key, body, payment_id} of the attempt awaiting its answer
    let lastFailed = null; // the body of an attempt that ended in a 502 (nothing charged)
    let inFlight = false;
    let waitTimer = null; // ticks while a request is out

    function remember(next) {
      attempt = next;
      kept.keep(next);
    }

    function forget() {
      attempt = null;
      kept.forget();
    }

    function isUnknown(result) {
      return (
        result.status === 0 ||
        unknownStatuses.includes(result.status) ||
        result.status >= 500 ||
        (result.status === 409 && result.code !== "check_not_open")
      );
    }

    /** Decide what the answer means. Only a final answer forgets the attempt's key. */
    function settle(result, sent) {
      const body = result.body || {};
      if (result.status === 201) {
        forget();
        on.captured(result, sent);
      } else if (result.status === 402) {
        forget();
        on.declined(result, sent);
      } else if (result.status === 502) {
        forget();
        lastFailed = sent.body;
        on.failed(result, sent);
      } else if (isUnknown(result)) {
        const paymentId =
          (body.error && body.error.payment_id) || (body.payment && body.payment.id);
        remember({ ...sent, payment_id: paymentId || sent.payment_id || null });
        on.unknown(result, sent);
      } else {
        // A final refusal (422, 409 check_not_open, 403, 404, 400): nothing was taken.
        forget();
        on.refused(result, sent);
      }
    }

    /** While a request is out: the button counts the seconds, and after two the screen says
     *  what it waits for and that this payment must not be taken again. */
    function startWaiting(sent) {
      const started = Date.now();
      const label = options.waitLabel(sent.body);
      const tick = () => {
        const seconds = Math.floor((Date.now() - started) / 1000);
        $("#pay-button").textContent = seconds >= 1 ? `${label} ${seconds} s` : label;
        const note = options.outcomeShown() ? $("#retry-wait") : $("#pay-wait");
        if (Date.now() - started < WAIT_NOTICE_MS) return;
        note.hidden = false;
        note.textContent = options.waitNotice(sent.body, seconds);
      };
      tick();
      waitTimer = setInterval(tick, 250);
    }

    function stopWaiting() {
      clearInterval(waitTimer);
      waitTimer = null;
      for (const id of ["#pay-wait", "#retry-wait"]) {
        $(id).hidden = true;
        $(id).textContent = "";
      }
    }

    /** Send the attempt awaiting its answer: the same key, the same body. */
    async function send() {
      if (inFlight || !attempt) return;
      inFlight = true;
      const sent = attempt;
      $("#outcome-retry").disabled = true;
      $("#outcome-again").disabled = true;
      options.render();
      startWaiting(sent);
      const result = await api("POST", path, sent.body, {
        headers: { "Idempotency-Key": sent.key },
        keepOn401: true,
      });
      stopWaiting();
      inFlight = false;
      settle(result, sent);
      options.render();
    }

    /** A tap of Pay: a new attempt with the body ``draft()`` makes (none: nothing is sent).
     *  The key is made here, once per attempt; every retry of this attempt sends it again. */
    function start(draft) {
      if (inFlight || attempt) return;
      const body = draft();
      if (!body) return;
      remember({ key: newKey(), body, payment_id: null });
      send();
    }

    /** After a 502 nothing was charged and that attempt is over: a new attempt, a new key. */
    function again() {
      if (inFlight || attempt || !lastFailed) return;
      remember({ key: newKey(), body: lastFailed, payment_id: null });
      send();
    }

    /** The attempt shown "Not confirmed yet" has been settled meanwhile (by recovery or
     *  another device): ask again on its key, which answers with the stored final outcome.
     *  True when it asks. */
    function askAgainIfSettled(payments) {
      if (!attempt || inFlight || $("#outcome").dataset.kind !== "unconfirmed") return false;
      if (!attempt.payment_id) return false;
      const known = payments.find((p) => p.id === attempt.payment_id);
      if (known ? known.status === "pending" : !options.goneMeansSettled) return false;
      $("#outcome-hint").textContent = options.answeredHint;
      send();
      return true;
    }

    return {
      /** The attempt awaiting its answer ({key, body, payment_id}), or null. */
      get current() {
        return attempt;
      },
      /** A request is out. */
      get inFlight() {
        return inFlight;
      },
      forget,
      start,
      retry: send,
      again,
      askAgainIfSettled,
    };
  }

  return { attempts, choices, showOutcome, markChosen, onChosen, shareOf };
})();
