/* The owner's settings: the restaurant's name, time zone and currency; whether prices include
   tax; tax rates; tip choices; the service charge of large parties; the receipt's text; and
   the download of all the restaurant's data. Each card saves only its own fields through
   PUT /api/v1/restaurant; a refusal is shown in the API's own words on that card. Changes
   made on another tablet arrive over the live feed as restaurant.updated. */
"use strict";

(() => {
  const { page, h, $, api, toast, live, coalesce, sent } = TS;
  let settings = page.settings;
  let includeTax = settings.prices_include_tax;
  // Cards being edited: a change arriving from the feed (this tablet's own save of another
  // card, or another tablet's) never overwrites what is being typed.
  const editing = new Set();
  for (const form of document.querySelectorAll("form.settings-card, #pricing-form")) {
    form.addEventListener("input", () => editing.add(form.id));
  }

  function put(id, value) {
    const node = $(id);
    if (!editing.has(node.form.id)) node.value = value;
  }

  const percentText = (bp) => (bp / 100).toLocaleString("en-US", { maximumFractionDigits: 2, useGrouping: false });

  /** "8.25" or "8.25 %" → 825 basis points; null if it is not a percentage. */
  function basisPoints(text) {
    const match = /^(\d{1,3})(?:\.(\d{0,2}))?$/.exec(String(text || "").replace(/[%\s]/g, ""));
    if (!match) return null;
    return Number(match[1]) * 100 + Number((match[2] || "").padEnd(2, "0"));
  }

  function problem(where, message) {
    where.textContent = message;
    where.hidden = false;
  }

  /** Save ``body``; on a refusal show the server's words in ``where`` and answer false. */
  async function save(body, where, done) {
    where.hidden = true;
    const result = await api("PUT", "/restaurant", body);
    if (!result.ok) {
      problem(where, result.message);
      return false;
    }
    editing.delete(where.closest("form").id);
    settings = result.body;
    render();
    toast(done, "good");
    return true;
  }

  function render() {
    put("#name", settings.name);
    put("#timezone", settings.timezone);
    put("#currency", settings.currency);
    if (!editing.has("pricing-form")) {
      includeTax = settings.prices_include_tax;
      renderPrices();
    }
    put("#default-rate", percentText(settings.tax_rate_bp));
    put("#tip-presets", settings.tip_presets_bp.map(percentText).join(", "));
    put("#max-tip", percentText(settings.max_tip_bp));
    put("#service-percent", settings.service_charge_bp ? percentText(settings.service_charge_bp) : "");
    put("#service-guests", settings.service_charge_min_guests || "");
    put("#receipt-header", settings.receipt_header);
    put("#receipt-footer", settings.receipt_footer);
    renderRates();
  }

  function renderPrices() {
    for (const button of $("#prices").children) {
      const on = (button.dataset.include === "true") === includeTax;
      button.classList.toggle("current", on);
      button.setAttribute("aria-checked", String(on));
    }
    $("#prices-hint").textContent = includeTax
      ? "Menu prices are what guests pay; checks show the tax they include. Checks already open keep how they were opened."
      : "Tax is added to menu prices on the check. Checks already open keep how they were opened.";
  }

  function renderRates() {
    const where = $("#rates-error");
    $("#tax-rates").replaceChildren(
      ...settings.tax_rates.map((rate) => {
        const name = h("input", { value: rate.name, maxlength: "60", "aria-label": `${rate.name}: name` });
        const percent = h("input", {
          class: "narrow",
          value: percentText(rate.rate_bp),
          inputmode: "decimal",
          "aria-label": `${rate.name}: percent`,
        });
        return h(
          "li",
          { dataset: { taxRateId: rate.id } },
          name,
          percent,
          h("span", { text: "%" }),
          h("button", {
            type: "button",
            class: "btn",
            text: "Save",
            "aria-label": `Save ${rate.name}`,
            onclick: async () => {
              const rateBp = basisPoints(percent.value);
              if (rateBp === null) return problem(where, "Enter the rate as a percentage, e.g. 8.25.");
              const result = await api("PUT", `/restaurant/tax-rates/${rate.id}`, { name: name.value, rate_bp: rateBp });
              if (!result.ok) return problem(where, result.message);
              where.hidden = true;
              toast(`${result.body.name} saved`, "good");
              await reload();
            },
          }),
          h("button", {
            type: "button",
            class: "btn",
            text: "Archive",
            "aria-label": `Archive ${rate.name}`,
            onclick: async () => {
              const result = await api("POST", `/restaurant/tax-rates/${rate.id}/archive`);
              if (!result.ok) return problem(where, result.message);
              where.hidden = true;
              toast(`${rate.name} archived; items rung at it keep it`, "good");
              await reload();
            },
          }),
        );
      }),
    );
    if (!settings.tax_rates.length) {
      $("#tax-rates").append(h("li", { class: "empty-hint", text: "No named rates: every item is taxed at the default rate." }));
    }
  }

  async function reload() {
    const result = await api("GET", "/restaurant");
    if (result.ok) {
      settings = result.body;
      render();
    }
  }

  $("#restaurant-form").addEventListener("submit", (event) => {
    event.preventDefault();
    save(
      { name: $("#name").value, timezone: $("#timezone").value.trim(), currency: $("#currency").value.trim() },
      $("#restaurant-error"),
      "Restaurant saved",
    );
  });

  $("#prices").addEventListener("click", (event) => {
    const button = event.target.closest("[data-include]");
    if (!button) return;
    includeTax = button.dataset.include === "true";
    editing.add("pricing-form");
    renderPrices();
  });
  $("#pricing-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const where = $("#pricing-error");
    const rate = basisPoints($("#default-rate").value);
    if (rate === null) return problem(where, "Enter the default tax rate as a percentage, e.g. 8.25.");
    save({ prices_include_tax: includeTax, tax_rate_bp: rate }, where, "Prices and tax saved");
  });

  $("#add-rate").addEventListener("submit", async (event) => {
    event.preventDefault();
    const where = $("#rates-error");
    const rate = basisPoints($("#new-rate-percent").value);
    if (rate === null) return problem(where, "Enter the rate as a percentage, e.g. 20.");
    const typed = sent(event.target, [$("#new-rate-name"), $("#new-rate-percent")]);
    const result = await api("POST", "/restaurant/tax-rates", { name: $("#new-rate-name").value, rate_bp: rate });
    if (!result.ok) return problem(where, result.message);
    where.hidden = true;
    typed.clear();
    toast(`${result.body.name} added`, "good");
    await reload();
  });

  $("#service-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const where = $("#service-error");
    const presets = $("#tip-presets").value.split(/[,;\s]+/).filter(Boolean).map(basisPoints);
    if (!presets.length || presets.includes(null)) {
      return problem(where, "Enter the tip choices as percentages separated by commas, e.g. 15, 18, 20.");
    }
    const body = { tip_presets_bp: presets };
    body.max_tip_bp = basisPoints($("#max-tip").value);
    if (body.max_tip_bp === null) {
      return problem(where, "Enter the largest tip as a percentage of the amount paid, e.g. 100.");
    }
    const charge = $("#service-percent").value.trim();
    body.service_charge_bp = charge === "" ? 0 : basisPoints(charge);
    if (body.service_charge_bp === null) return problem(where, "Enter the service charge as a percentage, e.g. 18.");
    const guests = $("#service-guests").value.trim();
    if (guests !== "") {
      if (!/^\d{1,3}$/.test(guests)) return problem(where, "Enter the party size as a number of guests, e.g. 8.");
      body.service_charge_min_guests = Number(guests);
    } else if (body.service_charge_bp === 0) {
      body.service_charge_min_guests = null; // no service charge: no party size either
    }
    save(body, where, "Tips and service charge saved");
  });

  $("#receipt-form").addEventListener("submit", (event) => {
    event.preventDefault();
    save(
      { receipt_header: $("#receipt-header").value, receipt_footer: $("#receipt-footer").value },
      $("#receipt-error"),
      "Receipt saved",
    );
  });

  const refresh = coalesce(reload);
  live({
    after: page.last_seq,
    onEvent(event) {
      if (event.type === "restaurant.updated") refresh();
    },
    onResync: refresh,
  });

  render();
})();
