/* Manager: the day's numbers (live for today) with each server's figures and every void,
   comp and refund (who, who approved, why), refunds with one Idempotency-Key per refund
   attempt (reused by Retry), and the 86 list. */
"use strict";

(() => {
  const { page, $, h, api, toast, fmt, parseMoney, newKey, coalesce, live, eightySixList } = TS;
  const { TYPES, typeWord, typeBadge, keptAttempt } = TS;
  let report = page.report;
  let menu = page.menu;
  const today = report.date;
  let day = today;
  let type = null; // the one order type counted; null: every type
  const dateInput = $("#report-date");
  dateInput.value = day;

  // --- the report ------------------------------------------------------------------------------

  function timeOf(iso) {
    return new Intl.DateTimeFormat("en-US", {
      hour: "numeric",
      minute: "2-digit",
      timeZone: report.timezone,
    }).format(new Date(iso));
  }

  function renderReport() {
    const tiles = [
      ["Checks closed", String(report.checks_closed), "checks_closed"],
      ["Covers", String(report.covers), "covers"],
      ["Sales", fmt(report.sales_cents), "sales"],
      ["Discounts", fmt(report.discounts_cents), "discounts"],
      report.service_charge_cents ? ["Service charge", fmt(report.service_charge_cents), "service_charge"] : null,
      [report.tax_included_cents ? (report.tax_included_cents === report.tax_cents ? "Tax (included)" : "Tax (part included)") : "Tax", fmt(report.tax_cents), "tax"],
      ["Total", fmt(report.total_cents), "total"],
      ["Refunds", fmt(-report.refunds.amount_cents), "refunds"],
      ["Net of refunds", fmt(report.net_cents), "net"],
      ["Tips", fmt(report.tips_cents), "tips"],
    ].filter(Boolean);
    $("#stats").replaceChildren(
      ...tiles.map(([label, value, key]) =>
        h(
          "div",
          { class: "stat", dataset: { stat: key } },
          h("span", { class: "stat-label", text: label }),
          h("span", { class: "stat-value", text: value }),
        ),
      ),
    );
    const { card, cash } = report.by_tender;
    $("#tenders tbody").replaceChildren(
      ...[
        ["Card", card],
        ["Cash", cash],
        [
          "All",
          {
            count: card.count + cash.count,
            amount_cents: card.amount_cents + cash.amount_cents,
            tip_cents: card.tip_cents + cash.tip_cents,
          },
          "sum",
        ],
      ].map(([label, t, kind]) =>
        h(
          "tr",
          { class: kind || "", dataset: { tender: label.toLowerCase() } },
          h("th", { text: label }),
          h("td", { text: String(t.count) }),
          h("td", { text: fmt(t.amount_cents) }),
          h("td", { text: fmt(t.tip_cents) }),
        ),
      ),
    );
    $("#unsettled tbody").replaceChildren(
      ...[
        ["Refunds", report.refunds.count, report.refunds.amount_cents],
        ["Open checks (balance)", report.open_checks.count, report.open_checks.balance_cents],
        ["Pending payments", report.pending_payments.count, report.pending_payments.amount_cents],
      ].map(([label, count, cents]) =>
        h(
          "tr",
          { class: count && label !== "Refunds" ? "attention" : "" },
          h("th", { text: label }),
          h("td", { text: String(count) }),
          h("td", { text: fmt(cents) }),
        ),
      ),
    );
    renderTypes();
    renderServers();
    renderVoidsCompsRefunds();
    const rows = report.payments.map((p) => {
      const refundable = p.amount_cents + p.tip_cents - p.refunded_cents;
      return h(
        "tr",
        { dataset: { paymentId: p.id } },
        h("td", { text: timeOf(p.settled_at) }),
        h("td", {}, p.table_label ? p.table_label : typeBadge(p.check_type)),
        h("td", { text: `#${p.check_number}` }),
        h("td", { text: p.tender === "card" ? "Card" : "Cash" }),
        h("td", { text: fmt(p.amount_cents) }),
        h("td", { text: fmt(p.tip_cents) }),
        h("td", { text: p.refunded_cents ? fmt(p.refunded_cents) : "—" }),
        h(
          "td",
          {},
          h("button", {
            type: "button",
            class: "btn small",
            disabled: refundable <= 0,
            text: refundable <= 0 ? "Refunded" : "Refund",
            "aria-label": `Refund ${fmt(p.amount_cents)} ${p.tender} on ${p.table_label ? `table ${p.table_label}` : `check #${p.check_number}`}`,
            onclick: () => openRefund(p),
          }),
        ),
      );
    });
    $("#payments tbody").replaceChildren(
      ...(rows.length
        ? rows
        : [h("tr", {}, h("td", { colspan: "8", class: "empty-hint", text: "No payments this day." }))]),
    );
  }

  /** Rows for a table body, or one row saying there are none. */
  function bodyRows(selector, rows, columns, none) {
    $(`${selector} tbody`).replaceChildren(
      ...(rows.length ? rows : [h("tr", {}, h("td", { colspan: String(columns), class: "empty-hint", text: none }))]),
    );
  }

  const cells = (...values) => values.map((value) => h("td", { text: value }));
  const where = (row) =>
    row.table_label ? `${row.table_label} #${row.check_number}` : `${typeWord(row.check_type)} #${row.check_number}`;

  /** The chips that choose the order type counted, and each type's figures (which add up
   *  to the day's: the last row). */
  function renderTypes() {
    const chip = (label, value) =>
      h("button", {
        type: "button",
        class: `tab ${type === value ? "current" : ""}`,
        "aria-pressed": type === value ? "true" : "false",
        dataset: { type: value || "all" },
        text: label,
        onclick: () => {
          type = value;
          reloadReport();
          renderTypes();
        },
      });
    $("#report-types").replaceChildren(
      chip("All types", null),
      ...TYPES.map((value) => chip(typeWord(value), value)),
    );
    const row = (label, f, kind) =>
      h(
        "tr",
        { class: kind || "", dataset: { type: kind ? "all" : f.type } },
        h("th", {}, kind ? label : typeBadge(f.type)),
        ...cells(
          String(f.checks_closed),
          String(f.covers),
          fmt(f.sales_cents),
          fmt(f.discounts_cents),
          fmt(f.tax_cents),
          fmt(f.total_cents),
          fmt(f.tips_cents),
          fmt(-f.refunds_cents),
          fmt(f.net_cents),
        ),
      );
    const all = {
      checks_closed: report.checks_closed,
      covers: report.covers,
      sales_cents: report.sales_cents,
      discounts_cents: report.discounts_cents,
      tax_cents: report.tax_cents,
      total_cents: report.total_cents,
      tips_cents: report.tips_cents,
      refunds_cents: report.refunds.amount_cents,
      net_cents: report.net_cents,
    };
    $("#by-type tbody").replaceChildren(
      ...report.by_type.map((f) => row(typeWord(f.type), f)),
      ...(report.by_type.length > 1 ? [row("All", all, "sum")] : []),
    );
  }
  const nobody = (name) => name || "—";

  function renderServers() {
    bodyRows(
      "#servers",
      report.servers.map((s) =>
        h(
          "tr",
          { dataset: { staffId: s.staff_id } },
          h("th", { text: s.name }),
          ...cells(
            String(s.checks_closed),
            String(s.covers),
            fmt(s.sales_cents),
            fmt(s.discounts_cents),
            fmt(s.total_cents),
            fmt(s.tips_cents),
          ),
        ),
      ),
      7,
      "No checks closed and no tips this day.",
    );
  }

  function discountWhat(d) {
    if (d.comp) return "Comp";
    return d.kind === "percent" ? `${(d.value / 100).toLocaleString("en-US")} % off` : `${fmt(d.value)} off`;
  }

  function renderVoidsCompsRefunds() {
    bodyRows(
      "#voids",
      report.voids.map((v) =>
        h(
          "tr",
          { dataset: { lineId: v.line_id } },
          ...cells(
            timeOf(v.voided_at),
            where(v),
            `${v.quantity}× ${v.item}${v.sent ? "" : " (not sent)"}`,
            fmt(v.amount_cents),
            v.reason,
            nobody(v.voided_by),
            nobody(v.approved_by),
          ),
        ),
      ),
      7,
      "No voids this day.",
    );
    bodyRows(
      "#discounts",
      report.discounts.map((d) =>
        h(
          "tr",
          {},
          ...cells(
            where(d),
            d.item || "Whole check",
            discountWhat(d),
            fmt(d.amount_cents),
            d.reason,
            nobody(d.given_by),
            nobody(d.approved_by),
          ),
        ),
      ),
      7,
      "No comps or discounts this day.",
    );
    bodyRows(
      "#refunds",
      report.refunds_given.map((r) =>
        h(
          "tr",
          { dataset: { refundId: r.id } },
          ...cells(
            timeOf(r.at),
            where(r),
            r.tender === "card" ? "Card" : "Cash",
            fmt(r.amount_cents),
            r.reason || "(none given)",
            nobody(r.refunded_by),
            nobody(r.approved_by),
          ),
        ),
      ),
      7,
      "No refunds this day.",
    );
  }

  const reloadReport = coalesce(async () => {
    const counted = type ? `&type=${encodeURIComponent(type)}` : "";
    const result = await api("GET", `/reports/day?date=${encodeURIComponent(day)}${counted}`);
    const error = $("#report-error");
    if (!result.ok) {
      error.textContent = result.message;
      error.hidden = false;
      return;
    }
    error.hidden = true;
    report = result.body;
    renderReport();
  });

  dateInput.addEventListener("change", () => {
    if (!dateInput.value) return;
    day = dateInput.value;
    reloadReport();
  });

  // --- refunds -----------------------------------------------------------------------------------

  const dialog = $("#refund-dialog");
  const confirm = $("#refund-confirm");
  const retry = $("#refund-retry");
  let refunding = null; // the payment row
  let inFlight = false;

  const keptRefund = (paymentId) => keptAttempt(localStorage, `tableside.refund.${paymentId}`);

  function showRefundOutcome(kind, title, message) {
    const box = $("#refund-outcome");
    box.hidden = !title;
    box.dataset.kind = kind || "";
    $("#refund-outcome-title").textContent = title || "";
    $("#refund-outcome-message").textContent = message || "";
  }

  function openRefund(payment) {
    refunding = payment;
    const refundable = payment.amount_cents + payment.tip_cents - payment.refunded_cents;
    $("#refund-title").textContent = `Refund — table ${payment.table_label}, check #${payment.check_number}`;
    $("#refund-explain").textContent =
      `${payment.tender === "card" ? "Card" : "Cash"} payment of ${fmt(payment.amount_cents)}` +
      (payment.tip_cents ? ` + ${fmt(payment.tip_cents)} tip` : "") +
      `; up to ${fmt(refundable)} can be refunded. Say why: the day's report lists it.`;
    $("#refund-amount").value = (refundable / 100).toFixed(2);
    $("#refund-reason").value = "";
    const pending = keptRefund(payment.id).load();
    if (pending) {
      $("#refund-amount").value = (pending.body.amount_cents / 100).toFixed(2);
      $("#refund-reason").value = pending.body.reason;
      showRefundOutcome(
        "unconfirmed",
        "Not confirmed yet",
        "A refund started here was not confirmed. Retry asks again about the same refund; it never refunds twice.",
      );
    } else {
      showRefundOutcome(null, "", "");
    }
    confirm.hidden = Boolean(pending);
    retry.hidden = !pending;
    confirm.disabled = false;
    retry.disabled = false;
    dialog.showModal();
  }

  async function sendRefund(sent) {
    if (inFlight) return;
    inFlight = true;
    confirm.disabled = true;
    retry.disabled = true;
    // A server's refund needs a manager's PIN: the pad asks for it, the same key goes again.
    const result = await TSApproval.withManager((approval) =>
      api("POST", `/payments/${sent.payment_id}/refund`, { ...sent.body, approval }, {
        headers: { "Idempotency-Key": sent.key },
      }),
    );
    inFlight = false;
    if (result === null) {
      keptRefund(sent.payment_id).forget();
      confirm.disabled = false;
      retry.disabled = false;
      showRefundOutcome("refused", "Not refunded", "A manager did not approve it; nothing was changed.");
      return;
    }
    confirm.disabled = false;
    retry.disabled = false;
    const final = result.status !== 0 && result.status < 500 && result.status !== 409;
    if (result.status === 201) {
      keptRefund(sent.payment_id).forget();
      showRefundOutcome("done", `Refunded ${fmt(result.body.refund.amount_cents)}`, "");
      confirm.hidden = true;
      retry.hidden = true;
      toast(`Refunded ${fmt(result.body.refund.amount_cents)}`, "good");
      reloadReport();
    } else if (result.status === 502) {
      keptRefund(sent.payment_id).forget();
      showRefundOutcome("failed", "Nothing was refunded", result.message);
      confirm.hidden = false;
      confirm.textContent = "Try again";
      retry.hidden = true;
    } else if (final) {
      keptRefund(sent.payment_id).forget();
      showRefundOutcome("refused", "Not refunded", result.message);
      confirm.hidden = false;
      retry.hidden = true;
    } else {
      showRefundOutcome(
        "unconfirmed",
        "Not confirmed yet",
        `${result.message} Retry asks again about the same refund; it never refunds twice.`,
      );
      confirm.hidden = true;
      retry.hidden = false;
    }
  }

  $("#refund-form").addEventListener("submit", (event) => {
    event.preventDefault();
    if (inFlight || !refunding) return;
    const amount = parseMoney($("#refund-amount").value);
    if (!amount) {
      showRefundOutcome("refused", "Enter an amount", "e.g. 12.50");
      return;
    }
    // One key per refund attempt, made when Refund is pressed; Retry reuses it.
    const sent = {
      key: newKey(),
      payment_id: refunding.id,
      body: { amount_cents: amount, reason: $("#refund-reason").value.trim() },
    };
    keptRefund(refunding.id).keep(sent);
    sendRefund(sent);
  });
  retry.addEventListener("click", () => {
    const sent = refunding && keptRefund(refunding.id).load();
    if (sent) sendRefund(sent);
  });
  $("#refund-cancel").addEventListener("click", () => {
    confirm.textContent = "Refund";
    dialog.close();
  });

  // --- 86 ------------------------------------------------------------------------------------------

  function show86() {
    eightySixList($("#eighty-six"), menu, show86);
  }

  const reloadMenu = coalesce(async () => {
    const result = await api("GET", "/menu");
    if (result.ok) {
      menu = result.body;
      show86();
    }
  });

  // --- live ------------------------------------------------------------------------------------------

  live({
    after: page.last_seq,
    onEvent(event) {
      if (event.type === "menu.updated") reloadMenu();
      else if (day === today && /^(payment|check|table)\./.test(event.type)) reloadReport();
    },
    onResync() {
      reloadMenu();
      reloadReport();
    },
  });

  renderReport();
  show86();
})();
