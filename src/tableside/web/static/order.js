/* Order ahead (/r/<code>) and the kiosk (/r/<code>/kiosk): the live menu, a cart priced by
   the server (POST …/quote), and payment up front through the one settlement.

   - One Idempotency-Key per tap of Pay, kept (sessionStorage) with the order it was made
     for and sent again on every retry of that tap: a retry can never charge twice.
   - Only a 201 shows the order as placed. 402 and 502 say nothing was charged; 504, a lost
     connection, 409 payment_in_progress or 429 are "Not confirmed yet", with Retry (same key).
   - The menu is read again every 20 s (86'd items, open slots, a pause) while the page is
     open. A kiosk starts over after each order and after a while without a touch. */
"use strict";

(() => {
  const { page, $, h, api, fmt, newKey, keptAttempt, whileInView } = TS;
  const slug = page.slug;
  const kiosk = page.mode === "kiosk";
  const KIOSK_KEY = `tableside-kiosk:${slug}`;
  const kept = keptAttempt(sessionStorage, `tableside-order:${slug}:${page.mode}`);
  const IDLE_MS = kiosk ? 90_000 : 0;
  const DONE_MS = 20_000;

  let menu = page.menu || null;
  let kioskToken = kiosk ? localStorage.getItem(KIOSK_KEY) : null;
  let cart = [];
  let quote = null;
  let category = null;
  let choosing = null;
  let tipBp = 0;
  let card = "pm_card_visa";
  let inFlight = false;
  let attempt = kept.load();
  let idleTimer = null;
  let doneTimer = null;

  function remember(next) {
    attempt = next;
    kept.keep(next);
  }
  function forget() {
    attempt = null;
    kept.forget();
  }

  const menuPath = () => (kiosk ? `/kiosk/${kioskToken}/menu` : `/public/${slug}/menu`);
  const orderPath = () => (kiosk ? `/kiosk/${kioskToken}/orders` : `/public/${slug}/orders`);

  // --- the menu ---------------------------------------------------------------------------

  async function loadMenu() {
    const result = await api("GET", menuPath(), undefined, { keepOn401: true });
    if (result.status === 404 && kiosk) {
      localStorage.removeItem(KIOSK_KEY);
      kioskToken = null;
      showSetup();
      return;
    }
    if (!result.ok) return; // keep what is shown; the next read may work
    menu = result.body;
    render();
  }

  function render() {
    if (!menu) return;
    $("#kiosk-setup").hidden = true;
    $("#order-layout").hidden = false;
    $("#order-restaurant").textContent = menu.restaurant.name;
    const paused = $("#paused");
    paused.hidden = menu.accepting_orders;
    paused.textContent = menu.paused_message || "";
    renderCategories();
    renderItems();
    renderCart();
    renderCheckout();
  }

  function renderCategories() {
    const tabs = $("#categories");
    tabs.replaceChildren();
    if (!category && menu.categories.length) category = menu.categories[0].id;
    for (const c of menu.categories) {
      tabs.append(
        h("button", {
          type: "button",
          class: `btn${c.id === category ? " current" : ""}`,
          text: c.name,
          onclick: () => {
            category = c.id;
            renderCategories();
            renderItems();
          },
        }),
      );
    }
  }

  function renderItems() {
    const list = $("#items");
    list.replaceChildren();
    for (const item of menu.items.filter((i) => i.category_id === category)) {
      list.append(
        h(
          "button",
          {
            type: "button",
            class: `btn order-item${item.available ? "" : " unavailable"}`,
            disabled: !item.available || !menu.accepting_orders,
            dataset: { item: item.name },
            onclick: () => choose(item),
          },
          h("span", { class: "item-name", text: item.name }),
          h("span", { class: "item-price", text: item.available ? fmt(item.price_cents) : "Sold out" }),
          item.description ? h("small", { text: item.description }) : null,
        ),
      );
    }
  }

  function choose(item) {
    touched();
    if (!item.modifier_groups.length) {
      addToCart({ item, options: [], note: "" });
      return;
    }
    choosing = { item, picked: new Set() };
    $("#options-title").textContent = item.name;
    $("#options-note").value = "";
    $("#options-error").hidden = true;
    const groups = $("#options-groups");
    groups.replaceChildren();
    for (const group of item.modifier_groups) {
      const rule = group.min === group.max ? `choose ${group.min}` : `choose ${group.min}–${group.max}`;
      const row = h("div", { class: "segmented wrap" });
      for (const option of group.options) {
        const button = h("button", {
          type: "button",
          class: "btn option",
          role: "checkbox",
          "aria-checked": "false",
          text: option.price_cents ? `${option.name} +${fmt(option.price_cents)}` : option.name,
          onclick: () => {
            if (choosing.picked.has(option.id)) choosing.picked.delete(option.id);
            else {
              const inGroup = group.options.filter((o) => choosing.picked.has(o.id));
              if (group.max === 1) for (const o of inGroup) choosing.picked.delete(o.id);
              else if (inGroup.length >= group.max) return;
              choosing.picked.add(option.id);
            }
            for (const b of row.children) {
              const id = b.dataset.option;
              b.setAttribute("aria-checked", String(choosing.picked.has(id)));
              b.classList.toggle("current", choosing.picked.has(id));
            }
          },
        });
        button.dataset.option = option.id;
        row.append(button);
      }
      groups.append(h("div", { class: "option-group" }, h("h3", { text: `${group.name} (${rule})` }), row));
    }
    $("#options").hidden = false;
  }

  function addChosen() {
    const { item, picked } = choosing;
    for (const group of item.modifier_groups) {
      const n = group.options.filter((o) => picked.has(o.id)).length;
      if (n < group.min || n > group.max) {
        $("#options-error").hidden = false;
        $("#options-error").textContent = `${group.name}: choose ${group.min === group.max ? group.min : `${group.min} to ${group.max}`}.`;
        return;
      }
    }
    const options = item.modifier_groups.flatMap((g) => g.options.filter((o) => picked.has(o.id)));
    addToCart({ item, options, note: $("#options-note").value.trim() });
    choosing = null;
    $("#options").hidden = true;
  }

  // --- the cart ----------------------------------------------------------------------------

  function addToCart(line) {
    const same = cart.find(
      (l) =>
        l.item.id === line.item.id &&
        l.note === line.note &&
        l.options.map((o) => o.id).join() === line.options.map((o) => o.id).join(),
    );
    if (same) same.quantity += 1;
    else cart.push({ ...line, quantity: 1 });
    cartChanged();
  }

  function cartChanged() {
    quote = null;
    renderCart();
    renderCheckout();
    requestQuote();
  }

  function items() {
    return cart.map((l) => ({
      menu_item_id: l.item.id,
      quantity: l.quantity,
      modifier_option_ids: l.options.map((o) => o.id),
      note: l.note,
    }));
  }

  let quoting = 0;
  async function requestQuote() {
    if (!cart.length) return;
    const mine = ++quoting;
    const result = await api("POST", `/public/${slug}/quote`, { items: items() }, { keepOn401: true });
    if (mine !== quoting) return;
    if (result.ok) {
      quote = result.body;
      $("#order-error").hidden = true;
    } else {
      showError(result.message);
    }
    renderCart();
    renderCheckout();
  }

  function renderCart() {
    const list = $("#cart");
    list.replaceChildren();
    $("#cart-empty").hidden = cart.length > 0;
    cart.forEach((line, index) => {
      const unit = line.item.price_cents + line.options.reduce((s, o) => s + o.price_cents, 0);
      list.append(
        h(
          "li",
          { class: "cart-line" },
          h("span", { class: "qty", text: `${line.quantity}×` }),
          h(
            "span",
            { class: "cart-name" },
            line.item.name,
            line.options.length ? h("small", { text: line.options.map((o) => o.name).join(", ") }) : null,
            line.note ? h("small", { text: line.note }) : null,
          ),
          h("span", { class: "amount", text: fmt(unit * line.quantity) }),
          h("button", {
            type: "button",
            class: "btn small",
            "aria-label": `One less ${line.item.name}`,
            text: "−",
            onclick: () => {
              touched();
              line.quantity -= 1;
              if (line.quantity <= 0) cart.splice(index, 1);
              cartChanged();
            },
          }),
          h("button", {
            type: "button",
            class: "btn small",
            "aria-label": `One more ${line.item.name}`,
            text: "+",
            onclick: () => {
              touched();
              line.quantity = Math.min(100, line.quantity + 1);
              cartChanged();
            },
          }),
        ),
      );
    });
    const totals = $("#cart-totals");
    totals.replaceChildren();
    if (quote) {
      const tip = tipCents();
      const rows = [
        ["Subtotal", quote.subtotal_cents],
        ["Tax", quote.tax_cents],
        ...(tip ? [["Tip", tip]] : []),
        ["Total", quote.total_cents + tip],
      ];
      for (const [label, cents] of rows) {
        totals.append(h("dt", { text: label }), h("dd", { id: `total-${label.toLowerCase()}`, text: fmt(cents) }));
      }
    }
  }

  function tipCents() {
    return quote ? Math.floor((quote.total_cents * tipBp + 5000) / 10000) : 0;
  }

  function renderCheckout() {
    $("#checkout").hidden = cart.length === 0 || !menu.accepting_orders;
    const tip = $("#tip");
    tip.replaceChildren();
    for (const bp of [0, ...menu.restaurant.tip_presets_bp]) {
      tip.append(
        h("button", {
          type: "button",
          class: `btn${bp === tipBp ? " current" : ""}`,
          role: "radio",
          "aria-checked": String(bp === tipBp),
          text: bp ? `${bp / 100}%` : "No tip",
          onclick: () => {
            tipBp = bp;
            renderCart();
            renderCheckout();
          },
        }),
      );
    }
    for (const b of document.querySelectorAll("#card-choice [data-card]")) {
      b.classList.toggle("current", b.dataset.card === card);
      b.setAttribute("aria-checked", String(b.dataset.card === card));
    }
    if (!kiosk) {
      const select = $("#pickup-time");
      const was = select.value;
      select.replaceChildren();
      if (menu.slots.length) {
        select.append(h("option", { value: "asap", text: `As soon as possible (about ${time(menu.asap_at)})` }));
      }
      for (const slot of menu.slots) {
        select.append(h("option", { value: slot.at, text: `${time(slot.at)} (${slot.places_left} left)` }));
      }
      if ([...select.options].some((o) => o.value === was)) select.value = was;
    }
    const button = $("#pay-button");
    button.disabled = inFlight || !quote;
    if (!inFlight) button.textContent = quote ? `Pay ${fmt(quote.total_cents + tipCents())}` : "Pay";
  }

  function time(iso) {
    return iso ? new Date(iso).toLocaleTimeString([], { hour: "numeric", minute: "2-digit" }) : "";
  }

  function showError(message) {
    const node = $("#order-error");
    node.hidden = !message;
    node.textContent = message || "";
  }

  // --- paying ------------------------------------------------------------------------------

  function draft() {
    const name = $("#pickup-name").value.trim();
    const body = {
      items: items(),
      name,
      payment_method: card,
      tip_cents: tipCents(),
      expected_total_cents: quote.total_cents,
    };
    if (!kiosk) {
      const phone = $("#pickup-phone").value.trim();
      if (!name) return showError("Add the name to call for pickup."), null;
      if (phone.length < 5) return showError("Add a phone number we can reach you at."), null;
      if (!$("#pickup-time").value) return showError("Every pickup time is full right now."), null;
      body.phone = phone;
      body.pickup = $("#pickup-time").value;
    }
    return body;
  }

  function pay() {
    if (inFlight || attempt || !quote) return;
    const body = draft();
    if (!body) return;
    showError("");
    // The key is made here, once per tap of Pay; every retry of this tap sends it again.
    remember({ key: newKey(), body, path: orderPath() });
    send();
  }

  async function send() {
    if (inFlight || !attempt) return;
    inFlight = true;
    const sent = attempt;
    $("#outcome-retry").disabled = true;
    const started = Date.now();
    const wait = setInterval(() => {
      const s = Math.floor((Date.now() - started) / 1000);
      $("#pay-button").textContent = `Paying… ${s} s`;
      if (s >= 3) {
        $("#pay-wait").hidden = false;
        $("#pay-wait").textContent = "Still waiting for the card processor. Please don't pay again.";
      }
    }, 250);
    $("#pay-button").textContent = "Paying…";
    renderCheckout();
    const result = await api("POST", sent.path, sent.body, {
      headers: { "Idempotency-Key": sent.key },
      keepOn401: true,
    });
    clearInterval(wait);
    $("#pay-wait").hidden = true;
    inFlight = false;
    settle(result, sent);
    renderCheckout();
  }

  function outcome(kind, title, message, hint, buttons, extra) {
    const box = $("#outcome");
    box.hidden = false;
    box.dataset.kind = kind;
    $("#outcome-title").textContent = title;
    $("#outcome-message").textContent = message;
    $("#outcome-hint").textContent = hint || "";
    const number = $("#outcome-number");
    number.hidden = !(extra && extra.number);
    number.textContent = extra && extra.number ? `#${extra.number}` : "";
    const status = $("#outcome-status");
    status.hidden = !(extra && extra.statusUrl);
    if (extra && extra.statusUrl) status.setAttribute("href", extra.statusUrl);
    for (const [name, id] of [["retry", "#outcome-retry"], ["back", "#outcome-back"], ["new", "#outcome-new"]]) {
      $(id).hidden = !buttons.includes(name);
      $(id).disabled = false;
    }
    $("#order-layout").hidden = kind === "paid";
    box.scrollIntoView({ block: "nearest" });
  }

  function hideOutcome() {
    $("#outcome").hidden = true;
    $("#order-layout").hidden = false;
  }

  /** Decide what an answer means. Only a final answer forgets the tap's key. */
  function settle(result, sent) {
    const body = result.body || {};
    if (result.status === 201) {
      forget();
      const order = body.order;
      cart = [];
      quote = null;
      if (kiosk) {
        outcome("paid", "Thank you! Your order number is", "We'll call it when your order is ready.",
          "Take your receipt from the counter.", ["new"], { number: order.number });
        clearTimeout(doneTimer);
        doneTimer = setTimeout(startOver, DONE_MS);
      } else {
        outcome("paid", "Paid — your order is in the kitchen",
          `Order #${order.number} for ${order.name}, pickup ${time(order.pickup_at)}.`,
          "Your order's page shows when it is ready.", [], { number: order.number, statusUrl: `/o/${body.token}` });
        location.assign(`/o/${body.token}`);
      }
      return;
    }
    if (result.status === 402) {
      forget();
      outcome("declined", "Card declined", result.message, "Nothing was charged. Try another card.", ["back"]);
      return;
    }
    if (result.status === 502) {
      forget();
      outcome("failed", "Nothing was charged", result.message, "Tap Pay to try again.", ["back"]);
      return;
    }
    if (result.status === 409 && ["slot_full", "not_accepting_orders", "price_changed", "order_cancelled"].includes(result.code)) {
      forget();
      outcome("refused", "Not ordered", result.message, "Nothing was charged.", ["back"]);
      loadMenu();
      requestQuote();
      return;
    }
    const unknown = result.status === 0 || result.status === 429 || result.status >= 500 || result.status === 409;
    if (unknown) {
      const statusUrl = body.token ? `/o/${body.token}` : null;
      outcome(
        "unconfirmed",
        "Not confirmed yet",
        result.status === 0
          ? "The connection dropped before the answer came, so we don't know yet whether your card was charged."
          : result.message,
        "Retry asks again about this same payment; it can never charge your card twice.",
        ["retry"],
        { statusUrl },
      );
      return;
    }
    if (result.status === 404 && kiosk) {
      forget();
      showSetup();
      return;
    }
    // A final refusal (400, 404, 422): nothing was taken.
    forget();
    outcome("refused", "Not ordered", result.message, "Nothing was charged.", ["back"]);
  }

  function startOver() {
    clearTimeout(doneTimer);
    forget();
    cart = [];
    quote = null;
    tipBp = 0;
    choosing = null;
    $("#options").hidden = true;
    const name = $("#pickup-name");
    if (name) name.value = "";
    hideOutcome();
    category = null;
    loadMenu();
  }

  // --- the kiosk ---------------------------------------------------------------------------

  function showSetup() {
    $("#order-layout").hidden = true;
    $("#outcome").hidden = true;
    $("#kiosk-setup").hidden = false;
  }

  async function startKiosk() {
    const pin = $("#kiosk-pin").value.trim();
    const error = $("#kiosk-error");
    const login = await api("POST", "/auth/login", { restaurant: slug, pin }, { keepOn401: true });
    if (!login.ok) {
      error.hidden = false;
      error.textContent = login.message;
      return;
    }
    const bearer = { Authorization: `Bearer ${login.body.token}` };
    const made = await api("POST", "/kiosks", { label: "Kiosk" }, { headers: bearer, keepOn401: true });
    // The manager's session ends here: the tablet keeps only the kiosk's key.
    await api("POST", "/auth/logout", undefined, { headers: bearer, keepOn401: true });
    if (!made.ok) {
      error.hidden = false;
      error.textContent = made.message;
      return;
    }
    $("#kiosk-pin").value = "";
    error.hidden = true;
    kioskToken = made.body.token;
    localStorage.setItem(KIOSK_KEY, kioskToken);
    loadMenu();
  }

  function touched() {
    if (!IDLE_MS) return;
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => {
      if (!inFlight && !attempt) startOver();
    }, IDLE_MS);
  }

  // --- wiring ------------------------------------------------------------------------------

  $("#options-cancel").addEventListener("click", () => {
    choosing = null;
    $("#options").hidden = true;
  });
  $("#options-add").addEventListener("click", addChosen);
  $("#pay-button").addEventListener("click", pay);
  $("#outcome-retry").addEventListener("click", send);
  $("#outcome-back").addEventListener("click", hideOutcome);
  $("#outcome-new").addEventListener("click", startOver);
  $("#kiosk-start").addEventListener("click", startKiosk);
  for (const b of document.querySelectorAll("#card-choice [data-card]")) {
    b.addEventListener("click", () => {
      card = b.dataset.card;
      renderCheckout();
    });
  }
  if (kiosk) {
    for (const type of ["pointerdown", "keydown"]) document.addEventListener(type, touched);
  }

  if (kiosk && !kioskToken) showSetup();
  else if (menu) render();
  else loadMenu();
  if (attempt) {
    // A tap whose answer never came: ask again on its key (never a second charge).
    outcome("unconfirmed", "Not confirmed yet", "Your last payment was not confirmed.",
      "Retry asks again about this same payment; it can never charge your card twice.", ["retry"]);
  }
  whileInView(20_000, () => {
    if (!inFlight && (!kiosk || kioskToken)) loadMenu();
  });
})();
