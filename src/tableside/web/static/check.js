/* The check: lines by seat, the menu by category (86'd items greyed out), send to the
   kitchen, void, and the totals. An item without options rings on one tap; an item with
   options (or any item's pencil) opens a dialog for modifiers / quantity / note. The line
   just rung is marked and scrolled into view. Prices shown here are the menu's; what is
   charged is always what the server computed. */
"use strict";

(() => {
  const { page, $, h, api, toast, fmt, coalesce, live, scrollHints } = TS;
  let check = page.check;
  let menu = page.menu;
  const seatKey = `tableside.seat.${check.id}`;
  let seat = Number(sessionStorage.getItem(seatKey) || 1);
  let extraSeats = 0;
  let category = sessionStorage.getItem("tableside.category") || null;
  let justRung = new Set(); // ids of the lines the latest ring added
  const pending = new Map(); // menu item id → taps whose ring is not answered yet

  const seatName = (n) => (n === 0 ? "Shared" : `Seat ${n}`);
  const isOpen = () => check.status === "open";

  // --- the check ----------------------------------------------------------------------------

  function render() {
    // A check without a table goes by its guest: "Takeout · Maria · Check #12 · 555-0142".
    $("#check-title").textContent = check.table_id
      ? `Table ${check.table_label} · Check #${check.number} · ${check.guests} guest${check.guests === 1 ? "" : "s"}`
      : [TS.whereOf(check), `Check #${check.number}`, check.guest_phone].filter(Boolean).join(" · ");
    document.body.dataset.checkType = check.type;
    const status = $("#check-status");
    status.textContent = check.status;
    status.dataset.status = check.status;
    renderBanner();
    document.body.classList.toggle("check-closed", !isOpen());
    renderLines();
    renderTotals();
    renderActions();
    renderTools();
    renderSeats();
    renderMenu();
  }

  /** Scroll the check's list (only it, never the page) so the line just rung shows. */
  function revealJustRung() {
    const list = $("#lines");
    const line = list.querySelector(".line.just-rung");
    if (!line) return;
    const shown = list.getBoundingClientRect();
    const at = line.getBoundingClientRect();
    if (at.bottom > shown.bottom) list.scrollTop += at.bottom - shown.bottom + 8;
    if (at.top < shown.top) list.scrollTop -= shown.top - at.top + 8;
  }

  function renderLines() {
    const box = $("#lines");
    const seats = [...new Set(check.lines.map((line) => line.seat))].sort((a, b) => a - b);
    if (!check.lines.length) {
      box.replaceChildren(
        h("p", { class: "empty-hint", text: "Nothing rung yet. Pick a seat, then tap items on the menu." }),
      );
      return;
    }
    box.replaceChildren(
      ...seats.map((n) =>
        h(
          "section",
          { class: `seat-group ${n === seat ? "current" : ""}`, dataset: { seat: String(n) } },
          h("button", {
            type: "button",
            class: "seat-heading",
            text: seatName(n),
            "aria-label": `Ring onto ${seatName(n)}`,
            onclick: () => chooseSeat(n),
          }),
          h("ul", { class: "line-list" }, ...check.lines.filter((line) => line.seat === n).map(lineRow)),
        ),
      ),
    );
  }

  function lineRow(line) {
    const state = line.voided ? "voided" : line.sent ? "sent" : "unsent";
    const rung = justRung.has(line.id) ? "just-rung" : "";
    const modifiers = line.modifiers
      .map((mod) => (mod.price_cents ? `${mod.name} +${fmt(mod.price_cents)}` : mod.name))
      .join(" · ");
    return h(
      "li",
      { class: `line ${state} ${rung}`, dataset: { lineId: line.id, state } },
      h(
        "div",
        { class: "line-main" },
        h("span", { class: "qty", text: `${line.quantity}×` }),
        h("span", { class: "name", text: line.name }),
        h("span", { class: "price", text: fmt(line.voided ? 0 : line.total_cents) }),
      ),
      modifiers ? h("div", { class: "mods", text: modifiers }) : null,
      line.note ? h("div", { class: "note", text: line.note }) : null,
      h(
        "div",
        { class: "line-foot" },
        h("span", {
          class: `chip ${state}`,
          text: line.voided ? `Void: ${line.void_reason || ""}` : line.sent ? "Sent" : "Not sent",
        }),
        ...lineDiscounts(line).map((d) => h("span", { class: "chip discount", text: discountText(d) })),
        !line.voided && isOpen() && !comped(line)
          ? h("button", {
              type: "button",
              class: "btn small ghost comp",
              text: "Comp",
              "aria-label": `Comp or discount ${line.name}`,
              onclick: () => discountDialog(line),
            })
          : null,
        !line.voided && isOpen()
          ? h("button", {
              type: "button",
              class: "btn small ghost void",
              text: "Void",
              "aria-label": `Void ${line.name}`,
              onclick: () => voidDialog(line),
            })
          : null,
      ),
    );
  }

  // --- discounts and comps, merges: what the check shows of them ----------------------------

  const lineDiscounts = (line) => check.discounts.filter((d) => d.line_id === line.id);
  const comped = (line) => lineDiscounts(line).some((d) => d.kind === "percent" && d.value === 10000);

  function discountText(d) {
    const off =
      d.kind === "percent"
        ? d.value === 10000
          ? "Comp"
          : `−${(d.value / 100).toLocaleString("en-US")} %`
        : `−${fmt(d.value)}`;
    return `${off}: ${d.reason}`;
  }

  function renderTools() {
    $("#check-tools").hidden = !isOpen();
    $("#move-open").hidden = !check.table_id; // takeout and online checks have no table
    $("#merge-open").hidden = !check.table_id; // merging is for parties at tables
    const checkDiscounts = check.discounts.filter((d) => d.line_id === null);
    $("#discount-check").textContent = checkDiscounts.length
      ? `Discount check (${checkDiscounts.map(discountText).join("; ")})`
      : "Discount check";
  }

  let mergedInto = null; // {id, label, number} of the check this one was merged into

  function renderBanner() {
    const banner = $("#closed-banner");
    banner.hidden = isOpen();
    if (isOpen()) {
      banner.replaceChildren();
    } else if (check.status === "closed") {
      banner.textContent = check.table_id
        ? "This check is paid and closed; the table is free."
        : "This check is paid and closed.";
    } else if (!check.merged_into) {
      banner.textContent = "This check was voided.";
    } else if (!mergedInto || mergedInto.id !== check.merged_into) {
      banner.textContent = "This check was merged into another check.";
      findMergedInto(check.merged_into);
    } else {
      const where = mergedInto.label ? `table ${mergedInto.label}'s check #${mergedInto.number}` : `check #${mergedInto.number}`;
      banner.replaceChildren(
        h("span", { text: `This check was merged into ${where}: its lines are there now. ` }),
        h("a", { class: "btn primary", href: `/checks/${mergedInto.id}`, text: `Open check #${mergedInto.number}` }),
      );
    }
  }

  async function findMergedInto(id) {
    const result = await api("GET", `/checks/${id}`);
    if (!result.ok || check.merged_into !== id) return;
    mergedInto = { id, label: result.body.table_label, number: result.body.number };
    renderBanner();
  }

  function renderTotals() {
    const rows = [
      ...TS.totalRows(check),
      check.tip_cents ? ["Tips", check.tip_cents] : null,
      check.paid_cents ? ["Paid", check.paid_cents] : null,
      ["Balance", check.balance_cents, "balance"],
    ];
    $("#totals").replaceChildren(...TS.amountList(rows, "total"));
  }

  function renderActions() {
    const unsent = check.lines.filter((line) => !line.sent && !line.voided).length;
    const send = $("#send");
    send.textContent = unsent ? `Send ${unsent} to kitchen` : "Nothing to send";
    send.disabled = !isOpen() || unsent === 0;
    const pay = $("#pay");
    pay.href = `/checks/${check.id}/pay`;
    pay.textContent = check.balance_cents > 0 ? `Pay ${fmt(check.balance_cents)}` : "Payments";
    pay.classList.toggle("disabled", check.total_cents === 0 && !check.payments.length);
  }

  function chooseSeat(n) {
    seat = n;
    sessionStorage.setItem(seatKey, String(n));
    renderSeats();
    for (const group of document.querySelectorAll(".seat-group")) {
      group.classList.toggle("current", Number(group.dataset.seat) === n);
    }
  }

  function renderSeats() {
    const highest = Math.max(check.guests, ...check.lines.map((line) => line.seat), seat) + extraSeats;
    const seats = [0, ...Array.from({ length: highest }, (_, i) => i + 1)];
    $("#seats").replaceChildren(
      h("span", { class: "field-label", text: "Seat" }),
      ...seats.map((n) =>
        h("button", {
          type: "button",
          class: `btn seat ${n === seat ? "current" : ""}`,
          "aria-pressed": n === seat ? "true" : "false",
          dataset: { seat: String(n) },
          text: n === 0 ? "Shared" : String(n),
          onclick: () => chooseSeat(n),
        }),
      ),
      h("button", {
        type: "button",
        class: "btn seat ghost",
        text: "+",
        "aria-label": "Add a seat",
        onclick: () => {
          extraSeats += 1;
          chooseSeat(highest + 1);
        },
      }),
    );
  }

  // --- the menu -----------------------------------------------------------------------------

  let menuShown = ""; // what the tabs and tiles on screen were drawn from

  /** Redraw the tabs and tiles only when what they show changed: a tile replaced under a
   *  finger loses that tap, and the screen redraws on every ring. */
  function renderMenu() {
    if (!menu.categories.some((c) => c.id === category)) category = menu.categories[0]?.id;
    const items = menu.items.filter((item) => item.category_id === category);
    const drawn = JSON.stringify([
      category,
      isOpen(),
      menu.categories.map((c) => [c.id, c.name]),
      items.map((i) => [i.id, i.name, i.price_cents, i.available, i.modifier_groups.length]),
    ]);
    if (drawn === menuShown) {
      for (const item of items) markTaps(item);
      return;
    }
    menuShown = drawn;
    const tabs = $("#categories");
    const scrolled = tabs.scrollLeft;
    tabs.replaceChildren(
      ...menu.categories.map((c) =>
        h("button", {
          type: "button",
          role: "tab",
          class: `tab ${c.id === category ? "current" : ""}`,
          "aria-selected": c.id === category ? "true" : "false",
          text: c.name,
          onclick: () => {
            category = c.id;
            sessionStorage.setItem("tableside.category", category);
            renderMenu();
          },
        }),
      ),
    );
    tabs.scrollLeft = scrolled;
    const current = tabs.querySelector(".tab.current");
    if (current) {
      const row = tabs.getBoundingClientRect();
      const tab = current.getBoundingClientRect();
      if (tab.right > row.right) tabs.scrollLeft += tab.right - row.right + 24;
      if (tab.left < row.left) tabs.scrollLeft -= row.left - tab.left + 24;
    }
    $("#menu-items").replaceChildren(...items.map(menuTile));
  }

  /** Show on an item's tile how many of its taps are still being rung. */
  function markTaps(item) {
    const tile = document.querySelector(`.menu-item[data-item-id="${item.id}"]`);
    if (!tile) return;
    const waiting = pending.get(item.id) || 0;
    tile.classList.toggle("ringing", waiting > 0);
    let badge = $(".taps", tile);
    if (!waiting) {
      if (badge) badge.remove();
      return;
    }
    if (!badge) {
      badge = h("span", { class: "taps" });
      tile.append(badge);
    }
    badge.textContent = `+${waiting}`;
  }

  function menuTile(item) {
    const oneTap = item.modifier_groups.length === 0;
    const waiting = pending.get(item.id) || 0;
    return h(
      "div",
      { class: "menu-cell" },
      h(
        "button",
        {
          type: "button",
          class: `menu-item ${item.available ? "" : "is-86"} ${waiting ? "ringing" : ""}`,
          disabled: !item.available || !isOpen(),
          dataset: { itemId: item.id },
          "aria-label": item.available ? `${item.name}, ${fmt(item.price_cents)}` : `${item.name}, 86'd`,
          onclick: () => (oneTap ? ringNow(item) : itemDialog(item)),
        },
        h("span", { class: "name", text: item.name }),
        h("span", { class: "price", text: item.available ? fmt(item.price_cents) : "86'd" }),
        oneTap ? null : h("span", { class: "has-options", text: "options" }),
        waiting ? h("span", { class: "taps", text: `+${waiting}` }) : null,
      ),
      oneTap && item.available && isOpen()
        ? h("button", {
            type: "button",
            class: "menu-more",
            text: "✎",
            title: "Note or quantity",
            "aria-label": `${item.name} with a note or quantity`,
            onclick: () => itemDialog(item),
          })
        : null,
    );
  }

  // --- ringing -------------------------------------------------------------------------------

  let rings = Promise.resolve(); // one ring at a time, in the order tapped

  /** Ring a line onto the current seat. Rings queue: each is sent once the one before has
   *  its answer, so every tap is one line, in order, and the check shown is the newest. */
  function ring(item, quantity, optionIds, note) {
    const onSeat = seat;
    pending.set(item.id, (pending.get(item.id) || 0) + 1);
    markTaps(item);
    const run = rings.then(async () => {
      // The lines before this ring: the live feed may show the new one before the answer.
      const known = new Set(check.lines.map((line) => line.id));
      const result = await api("POST", `/checks/${check.id}/lines`, {
        menu_item_id: item.id,
        seat: onSeat,
        quantity,
        modifier_option_ids: optionIds,
        note,
      });
      pending.set(item.id, pending.get(item.id) - 1);
      if (!pending.get(item.id)) pending.delete(item.id);
      if (result.ok) {
        check = result.body;
        const added = check.lines.filter(
          (line) => !known.has(line.id) && line.seat === onSeat && line.name === item.name,
        );
        if (added.length) justRung = new Set([added[added.length - 1].id]);
        render();
        revealJustRung();
      } else {
        markTaps(item);
        if (result.code === "item_86d") reloadMenu();
      }
      return result;
    });
    rings = run.catch(() => undefined);
    return run;
  }

  /** One tap, one portion: no dialog. The line appearing is the confirmation. */
  async function ringNow(item) {
    const result = await ring(item, 1, [], "");
    if (!result.ok) toast(result.message, "bad");
  }

  // --- ringing an item: modifiers, quantity, note --------------------------------------------

  const itemDialogNode = $("#item-dialog");
  const addButton = $("#item-add");
  let ringing = null; // {item, chosen: Map(groupId → [optionId…]), quantity}

  function ruleText(group) {
    if (group.min === group.max) return `choose ${group.min}`;
    if (group.min === 0) return group.max === 1 ? "optional" : `up to ${group.max}`;
    return `choose ${group.min} to ${group.max}`;
  }

  function itemDialog(item) {
    ringing = { item, chosen: new Map(item.modifier_groups.map((g) => [g.id, []])), quantity: 1 };
    $("#item-title").textContent = `${item.name} · ${fmt(item.price_cents)}`;
    $("#item-seat").textContent = `For ${seatName(seat).toLowerCase()}`;
    $("#item-note").value = "";
    $("#item-error").hidden = true;
    addButton.disabled = false;
    renderGroups();
    itemDialogNode.showModal();
  }

  function toggle(group, option) {
    const picked = ringing.chosen.get(group.id);
    const at = picked.indexOf(option.id);
    if (at >= 0) picked.splice(at, 1);
    else if (group.max === 1) picked.splice(0, picked.length, option.id);
    else if (picked.length >= group.max) {
      toast(`${group.name}: at most ${group.max}.`);
      return;
    } else picked.push(option.id);
    renderGroups();
  }

  function renderGroups() {
    const { item, chosen } = ringing;
    $("#item-groups").replaceChildren(
      ...item.modifier_groups.map((group) => {
        const picked = chosen.get(group.id);
        const short = picked.length < group.min;
        return h(
          "fieldset",
          { class: `group ${short ? "short" : ""}`, dataset: { groupId: group.id } },
          h("legend", {}, group.name, " ", h("small", { text: `(${ruleText(group)})` })),
          h(
            "div",
            { class: "options" },
            ...group.options.map((option) =>
              h(
                "button",
                {
                  type: "button",
                  class: `btn option ${picked.includes(option.id) ? "current" : ""}`,
                  "aria-pressed": picked.includes(option.id) ? "true" : "false",
                  onclick: () => toggle(group, option),
                },
                option.name,
                option.price_cents ? h("small", { text: ` +${fmt(option.price_cents)}` }) : null,
              ),
            ),
          ),
        );
      }),
    );
    $("#qty").textContent = String(ringing.quantity);
    const short = item.modifier_groups.filter((g) => chosen.get(g.id).length < g.min);
    const extras = item.modifier_groups
      .flatMap((g) => g.options.filter((o) => chosen.get(g.id).includes(o.id)))
      .reduce((sum, o) => sum + o.price_cents, 0);
    const lineTotal = ringing.quantity * (item.price_cents + extras);
    $("#item-needs").textContent = short.length
      ? `Still to choose: ${short.map((g) => g.name).join(", ")}`
      : "";
    addButton.disabled = short.length > 0;
    addButton.textContent = `Add · ${fmt(lineTotal)}`;
  }

  $("#qty-minus").addEventListener("click", () => {
    ringing.quantity = Math.max(1, ringing.quantity - 1);
    renderGroups();
  });
  $("#qty-plus").addEventListener("click", () => {
    ringing.quantity = Math.min(100, ringing.quantity + 1);
    renderGroups();
  });
  $("#item-cancel").addEventListener("click", () => itemDialogNode.close());
  $("#item-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    if (addButton.disabled || !ringing) return;
    addButton.disabled = true;
    const { item, chosen, quantity } = ringing;
    const optionIds = item.modifier_groups.flatMap((g) => chosen.get(g.id));
    const result = await ring(item, quantity, optionIds, $("#item-note").value.trim());
    if (result.ok) {
      itemDialogNode.close();
      return;
    }
    $("#item-error").textContent = result.message;
    $("#item-error").hidden = false;
    addButton.disabled = false;
  });

  // --- void ---------------------------------------------------------------------------------

  const voidDialogNode = $("#void-dialog");
  const voidConfirm = $("#void-confirm");
  let voiding = null;

  function voidDialog(line) {
    voiding = line;
    $("#void-title").textContent = `Void ${line.quantity}× ${line.name}`;
    $("#void-explain").textContent = line.sent
      ? "The kitchen already has this: say why. A manager approves it (with their PIN) unless you are one."
      : "It has not gone to the kitchen yet; it just comes off the check.";
    $("#void-reason-field").hidden = !line.sent;
    $("#void-reason").value = "";
    $("#void-reason").required = line.sent;
    $("#void-error").hidden = true;
    voidConfirm.disabled = false;
    voidDialogNode.showModal();
    if (line.sent) $("#void-reason").focus();
  }

  $("#void-cancel").addEventListener("click", () => voidDialogNode.close());
  $("#void-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    if (voidConfirm.disabled || !voiding) return;
    voidConfirm.disabled = true;
    const reason = $("#void-reason").value.trim();
    const result = await TSApproval.withManager((approval) =>
      api("POST", `/checks/${check.id}/lines/${voiding.id}/void`, { reason, approval }),
    );
    if (result === null) {
      voidConfirm.disabled = false; // the manager's PIN was not given: nothing changed
      return;
    }
    if (result.ok) {
      check = result.body;
      voidDialogNode.close();
      render();
      toast(`Voided ${voiding.name}`);
      return;
    }
    $("#void-error").textContent = result.message;
    $("#void-error").hidden = false;
    voidConfirm.disabled = false;
  });

  // --- discounts and comps (a server's need a manager's PIN) ------------------------------

  const discountNode = $("#discount-dialog");
  const discountConfirm = $("#discount-confirm");
  let discounting = null; // {line} (null line: the whole check)
  let discountKind = "comp";

  function discountDialog(line) {
    discounting = { line };
    $("#discount-title").textContent = line ? `Comp or discount ${line.quantity}× ${line.name}` : "Discount the check";
    $("#discount-explain").textContent =
      (line ? `${fmt(line.total_cents)} on ${seatName(line.seat).toLowerCase()}.` : `Subtotal ${fmt(check.subtotal_cents)}.`) +
      " Say why; a manager approves it (with their PIN) unless you are one.";
    $("#discount-value").value = "";
    $("#discount-reason").value = "";
    $("#discount-error").hidden = true;
    discountConfirm.disabled = false;
    chooseKind(line ? "comp" : "percent");
    discountNode.showModal();
  }

  function chooseKind(kind) {
    discountKind = kind;
    for (const button of document.querySelectorAll("#discount-kind [data-kind]")) {
      const on = button.dataset.kind === kind;
      button.classList.toggle("current", on);
      button.setAttribute("aria-checked", on ? "true" : "false");
    }
    $("#discount-value-field").hidden = kind === "comp";
    $("#discount-value-label").textContent = kind === "amount" ? "Amount off" : "Percent off";
    $("#discount-value").placeholder = kind === "amount" ? "e.g. 5.00" : "e.g. 10";
    discountConfirm.textContent = kind === "comp" ? "Comp" : "Discount";
    if (kind !== "comp") $("#discount-value").focus();
  }

  /** The request's kind and value, or a message saying what to fix. */
  function discountValue() {
    if (discountKind === "comp") return { kind: "percent", value: 10000 };
    const text = $("#discount-value").value.trim().replace(/%$/, "");
    if (discountKind === "amount") {
      const cents = TS.parseMoney(text);
      return cents ? { kind: "amount", value: cents } : { error: "Enter the amount to take off, e.g. 5.00" };
    }
    const match = /^(\d{1,3})(?:\.(\d{1,2}))?$/.exec(text);
    const bp = match ? Number(match[1]) * 100 + Number((match[2] || "").padEnd(2, "0")) : 0;
    return bp > 0 && bp <= 10000 ? { kind: "percent", value: bp } : { error: "Enter a percent between 0.01 and 100, e.g. 10" };
  }

  $("#discount-kind").addEventListener("click", (event) => {
    const button = event.target.closest("[data-kind]");
    if (button) chooseKind(button.dataset.kind);
  });
  $("#discount-check").addEventListener("click", () => discountDialog(null));
  $("#discount-cancel").addEventListener("click", () => discountNode.close());
  $("#discount-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    if (discountConfirm.disabled || !discounting) return;
    const error = $("#discount-error");
    const chosen = discountValue();
    const reason = $("#discount-reason").value.trim();
    if (chosen.error || !reason) {
      error.textContent = chosen.error || "Say why (e.g. hair in it, regulars).";
      error.hidden = false;
      return;
    }
    discountConfirm.disabled = true;
    const { line } = discounting;
    const body = { ...chosen, reason, line_id: line ? line.id : null };
    const result = await TSApproval.withManager((approval) =>
      api("POST", `/checks/${check.id}/discounts`, { ...body, approval }),
    );
    discountConfirm.disabled = false;
    if (result === null) return; // no manager's PIN: nothing changed
    if (result.ok) {
      check = result.body;
      discountNode.close();
      render();
      toast(`${discountKind === "comp" ? "Comped" : "Discounted"} ${line ? line.name : "the check"}`, "good");
      return;
    }
    error.textContent = result.message;
    error.hidden = false;
  });

  // --- move the party to a free table --------------------------------------------------------

  const moveNode = $("#move-dialog");

  async function openMove() {
    $("#move-error").hidden = true;
    $("#move-tables").replaceChildren(h("p", { class: "hint", text: "Loading the floor…" }));
    moveNode.showModal();
    const result = await api("GET", "/floor");
    if (!result.ok) {
      $("#move-tables").replaceChildren(h("p", { class: "message error", text: result.message }));
      return;
    }
    const free = result.body.tables.filter((t) => t.status === "available");
    $("#move-tables").replaceChildren(
      ...(free.length
        ? free.map((t) =>
            h("button", {
              type: "button",
              class: "btn big move-table",
              dataset: { tableId: t.id },
              text: `${t.label} · ${t.capacity} seat${t.capacity === 1 ? "" : "s"}`,
              onclick: (event) => moveTo(t, event.currentTarget),
            }),
          )
        : [h("p", { class: "hint", text: "No table is free right now." })]),
    );
  }

  async function moveTo(table, button) {
    if (button.disabled) return;
    button.disabled = true;
    const from = check.table_label;
    const result = await api("POST", `/checks/${check.id}/move`, { table_id: table.id });
    button.disabled = false;
    if (result.ok) {
      check = result.body;
      moveNode.close();
      render();
      toast(`Moved from ${from} to ${table.label}`, "good");
      return;
    }
    $("#move-error").textContent = result.message;
    $("#move-error").hidden = false;
  }

  $("#move-open").addEventListener("click", openMove);
  $("#move-cancel").addEventListener("click", () => moveNode.close());

  // --- merge another table's check onto this one ----------------------------------------

  const mergeNode = $("#merge-dialog");
  const mergeConfirm = $("#merge-confirm");
  let merging = null; // the other table's check, once picked

  function seatsTaken(of) {
    return Math.max(of.guests, ...of.lines.map((line) => line.seat));
  }

  async function openMerge() {
    merging = null;
    showMergeStep();
    $("#merge-tables").replaceChildren(h("p", { class: "hint", text: "Loading the floor…" }));
    mergeNode.showModal();
    const result = await api("GET", "/floor");
    if (!result.ok) {
      $("#merge-tables").replaceChildren(h("p", { class: "message error", text: result.message }));
      return;
    }
    const others = result.body.tables.filter((t) => t.check_id && t.check_id !== check.id);
    $("#merge-tables").replaceChildren(
      ...(others.length
        ? others.map((t) =>
            h("button", {
              type: "button",
              class: "btn big merge-table",
              dataset: { tableId: t.id },
              text: `${t.label}${t.guests ? ` · ${t.guests} guest${t.guests === 1 ? "" : "s"}` : ""}`,
              onclick: () => pickMerge(t),
            }),
          )
        : [h("p", { class: "hint", text: "No other table is seated." })]),
    );
  }

  /** What the merge does to the service charge, in words (docs/payments.md): the merged
   *  check carries the larger of the two checks' charges and what the restaurant's rule
   *  gives the merged party; everything else moves as it is. */
  function mergeCharge(other, rule) {
    const guests = Math.min(100, check.guests + other.guests);
    const byRule =
      rule.service_charge_bp > 0 && rule.service_charge_min_guests && guests >= rule.service_charge_min_guests
        ? rule.service_charge_bp
        : 0;
    const charge = Math.max(check.service_charge_bp, other.service_charge_bp, byRule);
    const percent = `${(charge / 100).toLocaleString("en-US", { maximumFractionDigits: 2 })} %`;
    if (charge === check.service_charge_bp && charge === other.service_charge_bp) {
      return " Lines, discounts and prices move as they are: nobody's bill changes.";
    }
    const why = charge === byRule ? ` (a party of ${guests})` : "";
    return ` Lines, discounts and prices move as they are, but the merged check carries a service charge of ${percent}${why} on all of it.`;
  }

  async function pickMerge(table) {
    const [result, rule] = await Promise.all([
      api("GET", `/checks/${table.check_id}`),
      api("GET", "/restaurant"),
    ]);
    if (!result.ok || !rule.ok) {
      $("#merge-error").textContent = result.ok ? rule.message : result.message;
      $("#merge-error").hidden = false;
      return;
    }
    merging = result.body;
    const taken = seatsTaken(check);
    const seats = [...new Set(merging.lines.map((line) => line.seat).filter((n) => n > 0))].sort((a, b) => a - b);
    const moved = seats.length
      ? ` Its seats become ${seats.map((n) => taken + n).join(", ")} here, after this table's ${taken}` +
        `${merging.lines.some((line) => line.seat === 0) ? "; shared stays shared" : ""}.`
      : "";
    const here = check.table_label ? `table ${check.table_label}` : "this check";
    $("#merge-confirm-text").textContent =
      `Bring table ${merging.table_label}'s check #${merging.number} (${merging.guests} guest${merging.guests === 1 ? "" : "s"}, ` +
      `${fmt(merging.total_cents)}) onto ${here}? Table ${merging.table_label} is freed.${moved}${mergeCharge(merging, rule.body)}`;
    mergeConfirm.textContent = `Merge ${merging.table_label} here`;
    showMergeStep();
  }

  function showMergeStep() {
    const confirming = merging !== null;
    $("#merge-tables").hidden = confirming;
    $("#merge-explain").hidden = confirming;
    $("#merge-confirm-text").hidden = !confirming;
    $("#merge-back").hidden = !confirming;
    mergeConfirm.hidden = !confirming;
    mergeConfirm.disabled = false;
    $("#merge-error").hidden = true;
  }

  $("#merge-open").addEventListener("click", openMerge);
  $("#merge-cancel").addEventListener("click", () => mergeNode.close());
  $("#merge-back").addEventListener("click", () => {
    merging = null;
    showMergeStep();
  });
  $("#merge-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!merging || mergeConfirm.disabled) return;
    mergeConfirm.disabled = true;
    const result = await api("POST", `/checks/${check.id}/merge`, { from_check_id: merging.id });
    mergeConfirm.disabled = false;
    if (result.ok) {
      check = result.body;
      mergeNode.close();
      render();
      toast(`Table ${merging.table_label} merged here`, "good");
      return;
    }
    $("#merge-error").textContent = result.message;
    $("#merge-error").hidden = false;
  });

  // --- send ---------------------------------------------------------------------------------

  const sendButton = $("#send");
  sendButton.addEventListener("click", async () => {
    if (sendButton.disabled) return;
    sendButton.disabled = true;
    const result = await api("POST", `/checks/${check.id}/send`);
    if (result.ok) {
      check = result.body;
      toast("Sent to the kitchen", "good");
    } else {
      toast(result.message, "bad");
    }
    render();
  });

  // --- live ---------------------------------------------------------------------------------

  const reloadCheck = coalesce(async () => {
    const result = await api("GET", `/checks/${check.id}`);
    if (result.ok) {
      check = result.body;
      render();
    }
  });
  const reloadMenu = coalesce(async () => {
    const result = await api("GET", "/menu");
    if (result.ok) {
      menu = result.body;
      renderMenu();
    }
  });

  // Food ready: this check's kitchen badge, and the banner for any of my tables (ready.js).
  TSReady.follow(check.id, $("#check-status"));

  live({
    after: page.last_seq,
    onEvent(event) {
      const data = event.data || {};
      TSReady.onEvent(event);
      if (event.type === "menu.updated") reloadMenu();
      else if (data.check_id === check.id) reloadCheck();
    },
    onResync() {
      TSReady.resync();
      reloadCheck();
      reloadMenu();
    },
  });

  scrollHints($("#seats"));
  scrollHints($("#categories"));
  scrollHints($("#check-tools"));
  render();
})();
