/* The menu editor: categories, items, modifier groups and options — add, edit, reorder,
   archive, restore — and the menu file (import, export; docs/menu.md). Every change goes
   through the API and the screen then shows the menu as the server has it; a refusal is
   shown in the API's own words, next to what was refused. Changes made elsewhere (another
   manager, an import, an 86 from the kitchen) arrive over the live feed as menu.updated. */
"use strict";

(() => {
  const { page, h, $, api, toast, fmt, parseMoney, live, coalesce, sent } = TS;
  let editor = page.editor;
  let categoryId = null; // the category whose items are shown
  let openItemId = null; // the item in the sheet
  const showArchived = $("#show-archived");

  const visible = (row) => showArchived.checked || !row.archived;
  const byPosition = (a, b) => a.position - b.position || a.name.localeCompare(b.name);
  const notArchived = (rows) => rows.filter((row) => !row.archived);
  const categories = () => editor.categories.slice().sort(byPosition);
  const itemsOf = (id) => editor.items.filter((i) => i.category_id === id).sort(byPosition);
  const itemById = (id) => editor.items.find((i) => i.id === id);
  const percent = (bp) => `${(bp / 100).toLocaleString("en-US", { maximumFractionDigits: 2 })} %`;

  async function reload() {
    const result = await api("GET", "/menu/editor");
    if (!result.ok) {
      toast(result.message, "bad");
      return;
    }
    // The feed also announces this screen's own changes: the same menu again draws nothing,
    // so what is being typed stays.
    if (JSON.stringify(result.body) === JSON.stringify(editor)) return;
    editor = result.body;
    render();
  }
  const refresh = coalesce(reload);

  /** Ask the server for a change; on a refusal show its message in ``where`` (or a toast)
   *  and answer null; on success show the menu as it now is and answer the body. */
  async function change(method, path, body, where) {
    const result = await TS.change(method, path, body, where);
    if (!result.ok) return null;
    await reload();
    return result.body || {};
  }

  function swapped(ids, id, step) {
    const i = ids.indexOf(id);
    const j = i + step;
    if (i < 0 || j < 0 || j >= ids.length) return null;
    const order = ids.slice();
    [order[i], order[j]] = [order[j], order[i]];
    return order;
  }

  /** ↑ and ↓ for one row of a list whose live rows are ``ids``, in order. */
  function moveButtons(ids, id, name, path, where) {
    return [-1, 1].map((step) => {
      const order = swapped(ids, id, step);
      return h("button", {
        type: "button",
        class: "btn",
        text: step < 0 ? "↑" : "↓",
        "aria-label": `Move ${name} ${step < 0 ? "up" : "down"}`,
        disabled: !order,
        onclick: () => change("PUT", path, { ids: order }, where),
      });
    });
  }

  function archiveButton(kind, row, where) {
    const action = row.archived ? "restore" : "archive";
    return h("button", {
      type: "button",
      class: "btn",
      text: row.archived ? "Restore" : kind === "categories" ? `Archive ${row.name}` : "Archive",
      "aria-label": `${row.archived ? "Restore" : "Archive"} ${row.name}`,
      onclick: async () => {
        const done = await change("POST", `/menu/${kind}/${row.id}/${action}`, undefined, where);
        if (done) {
          toast(row.archived ? `${row.name} is back` : `${row.name} is off the menu`, "good");
        }
      },
    });
  }

  // --- categories ----------------------------------------------------------------------------

  function renderCategories() {
    const all = categories();
    if (!all.some((c) => c.id === categoryId && visible(c))) {
      categoryId = (all.find((c) => !c.archived) || all.find(visible) || { id: null }).id;
    }
    const ids = notArchived(all).map((c) => c.id);
    $("#categories").replaceChildren(
      ...all.filter(visible).map((c) => {
        const count = notArchived(itemsOf(c.id)).length;
        return h(
          "li",
          { class: c.archived ? "is-archived" : "", dataset: { categoryId: c.id } },
          h(
            "button",
            {
              type: "button",
              class: `btn pick ${c.id === categoryId ? "current" : ""}`,
              "aria-pressed": c.id === categoryId ? "true" : "false",
              onclick: () => {
                categoryId = c.id;
                render();
              },
            },
            h("span", { class: "name", text: c.name }),
            h("small", { text: c.archived ? "archived" : String(count) }),
          ),
          ...(c.archived
            ? [archiveButton("categories", c)]
            : moveButtons(ids, c.id, c.name, "/menu/categories/order")),
        );
      }),
    );
    // What can be done to the category shown: below the list, so each row stays one line.
    const current = all.find((c) => c.id === categoryId);
    $("#category-actions").replaceChildren(
      ...(current && !current.archived
        ? [
            h("button", {
              type: "button",
              class: "btn",
              text: `Rename ${current.name}`,
              onclick: () => openRename(current),
            }),
            archiveButton("categories", current),
          ]
        : []),
    );
  }

  $("#add-category").addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = $("#new-category");
    const typed = sent(event.target, [input], $("#new-item-name"));
    const created = await change("POST", "/menu/categories", { name: input.value });
    if (created) {
      categoryId = created.id;
      render();
      typed.clear();
    }
  });

  let renaming = null;
  function openRename(category) {
    renaming = category;
    $("#rename-name").value = category.name;
    $("#rename-error").hidden = true;
    $("#rename-dialog").showModal();
  }
  $("#rename-cancel").addEventListener("click", () => $("#rename-dialog").close());
  $("#rename-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { name: $("#rename-name").value };
    if (await change("PATCH", `/menu/categories/${renaming.id}`, body, $("#rename-error"))) {
      $("#rename-dialog").close();
    }
  });

  // --- items ---------------------------------------------------------------------------------

  function renderItems() {
    const category = editor.categories.find((c) => c.id === categoryId);
    $("#items-title").textContent = category ? category.name : "Items";
    $("#add-item").hidden = !category || category.archived;
    const all = category ? itemsOf(category.id) : [];
    const shown = all.filter(visible);
    const empty = $("#items-empty");
    empty.hidden = shown.length > 0;
    empty.textContent = category
      ? "No items here yet: add the first below, or import a menu file."
      : "Add a category first (Starters, Mains…), or import a menu file.";
    const ids = notArchived(all).map((i) => i.id);
    $("#items").replaceChildren(
      ...shown.map((item) =>
        h(
          "li",
          { class: item.archived ? "is-archived" : "", dataset: { itemId: item.id } },
          h(
            "button",
            {
              type: "button",
              class: "btn pick",
              "aria-label": `Edit ${item.name}`,
              onclick: () => openItem(item.id),
            },
            h("span", { class: "name", text: item.name }),
            item.available ? null : h("span", { class: "chip", text: "86'd" }),
            item.archived ? h("span", { class: "chip", text: "archived" }) : null,
            h("span", { class: "price", text: fmt(item.price_cents) }),
          ),
          ...(item.archived
            ? [archiveButton("items", item)]
            : moveButtons(
                ids,
                item.id,
                item.name,
                `/menu/categories/${item.category_id}/items/order`,
              )),
        ),
      ),
    );
  }

  $("#add-item").addEventListener("submit", async (event) => {
    event.preventDefault();
    const name = $("#new-item-name");
    const price = $("#new-item-price");
    const cents = parseMoney(price.value);
    if (cents === null) {
      toast("Enter the price as an amount, e.g. 12.50.", "bad");
      price.focus();
      return;
    }
    const typed = sent(event.target, [name, price]);
    const body = { category_id: categoryId, name: name.value, price_cents: cents };
    const created = await change("POST", "/menu/items", body);
    if (created) {
      typed.clear();
      toast(`${created.name} added`, "good");
    }
  });

  // --- the item sheet ------------------------------------------------------------------------

  const courseSelect = $("#item-course");
  for (let course = 1; course <= 9; course += 1) {
    courseSelect.append(h("option", { value: String(course), text: `Course ${course}` }));
  }

  function openItem(id) {
    openItemId = id;
    fillItem(itemById(id));
    renderGroups();
    $("#item-error").hidden = true;
    if (!$("#item-dialog").open) $("#item-dialog").showModal();
  }

  function fillItem(item) {
    $("#item-title").textContent = item.name;
    $("#item-name").value = item.name;
    $("#item-price").value = (item.price_cents / 100).toFixed(2);
    courseSelect.value = String(item.course);
    $("#item-category").replaceChildren(
      ...categories()
        .filter((c) => !c.archived || c.id === item.category_id)
        .map((c) => h("option", { value: c.id, text: c.name })),
    );
    $("#item-category").value = item.category_id;
    const rates = editor.tax_rates.map((r) =>
      h("option", { value: r.id, text: `${r.name} (${percent(r.rate_bp)})` }),
    );
    if (item.tax_rate_id && !editor.tax_rates.some((r) => r.id === item.tax_rate_id)) {
      rates.push(h("option", { value: item.tax_rate_id, text: "An archived rate" }));
    }
    $("#item-tax").replaceChildren(
      h("option", { value: "", text: `Default (${percent(editor.default_tax_rate_bp)})` }),
      ...rates,
    );
    $("#item-tax").value = item.tax_rate_id || "";
    $("#item-station").value = item.station;
    $("#item-description").value = item.description;
    $("#item-allergens").value = item.allergens.join(", ");
    $("#item-archive").textContent = item.archived ? "Restore" : "Archive";
  }

  const allergensOf = (text) =>
    text
      .split(/[,;]/)
      .map((a) => a.trim())
      .filter(Boolean);

  $("#item-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const item = itemById(openItemId);
    const error = $("#item-error");
    const cents = parseMoney($("#item-price").value);
    if (cents === null) {
      error.textContent = "Enter the price as an amount, e.g. 12.50.";
      error.hidden = false;
      return;
    }
    const wanted = {
      name: $("#item-name").value,
      price_cents: cents,
      course: Number(courseSelect.value),
      category_id: $("#item-category").value,
      tax_rate_id: $("#item-tax").value || null,
      station: $("#item-station").value,
      description: $("#item-description").value,
      allergens: allergensOf($("#item-allergens").value),
    };
    const body = {};
    for (const [field, value] of Object.entries(wanted)) {
      if (JSON.stringify(value) !== JSON.stringify(item[field])) body[field] = value;
    }
    if (!Object.keys(body).length) {
      $("#item-dialog").close();
      return;
    }
    const saved = await change("PATCH", `/menu/items/${item.id}`, body, error);
    if (saved) {
      fillItem(saved);
      toast(`${saved.name} saved`, "good");
    }
  });

  $("#item-archive").addEventListener("click", async () => {
    const item = itemById(openItemId);
    const action = item.archived ? "restore" : "archive";
    const path = `/menu/items/${item.id}/${action}`;
    const done = await change("POST", path, undefined, $("#item-error"));
    if (done) {
      toast(item.archived ? `${item.name} is back` : `${item.name} is off the menu`, "good");
      $("#item-dialog").close();
    }
  });
  $("#item-close").addEventListener("click", () => $("#item-dialog").close());
  $("#item-dialog").addEventListener("close", () => {
    openItemId = null;
  });

  // --- modifier groups and options -------------------------------------------------------------

  const whole = (input) => (/^\d{1,2}$/.test(input.value.trim()) ? Number(input.value) : NaN);

  function renderGroups() {
    const item = itemById(openItemId);
    if (!item) return;
    const groups = item.modifier_groups.slice().sort(byPosition);
    const ids = notArchived(groups).map((g) => g.id);
    // A new option half typed survives a redraw (another manager's change, say).
    const label = (input) => input.getAttribute("aria-label");
    const drafts = new Map(
      [...$("#groups").querySelectorAll(".new-option input")].map((i) => [label(i), i.value]),
    );
    $("#groups").replaceChildren(...groups.filter(visible).map((g) => groupBlock(item, g, ids)));
    for (const input of $("#groups").querySelectorAll(".new-option input")) {
      input.value = drafts.get(label(input)) || "";
    }
    $("#add-group").hidden = item.archived;
  }

  function groupBlock(item, group, ids) {
    const error = h("p", { class: "message error", role: "alert", hidden: true });
    const name = h("input", {
      value: group.name,
      maxlength: 60,
      "aria-label": `${group.name}: name`,
    });
    const low = h("input", {
      type: "number",
      class: "narrow",
      min: 0,
      max: 50,
      value: group.min,
      "aria-label": `${group.name}: at least`,
    });
    const high = h("input", {
      type: "number",
      class: "narrow",
      min: 1,
      max: 50,
      value: group.max,
      "aria-label": `${group.name}: at most`,
    });
    const save = h("button", {
      type: "button",
      class: "btn",
      text: "Save",
      "aria-label": `Save ${group.name}`,
      onclick: () => {
        if (Number.isNaN(whole(low)) || Number.isNaN(whole(high))) {
          error.textContent = "Min and max are whole numbers, e.g. 0 and 1.";
          error.hidden = false;
          return;
        }
        const body = { name: name.value, min: whole(low), max: whole(high) };
        change("PATCH", `/menu/groups/${group.id}`, body, error);
      },
    });
    const options = group.options.slice().sort(byPosition);
    const optionIds = notArchived(options).map((o) => o.id);
    return h(
      "fieldset",
      {
        class: `group-edit ${group.archived ? "is-archived" : ""}`,
        dataset: { groupId: group.id },
      },
      h("legend", { text: group.archived ? `${group.name} (archived)` : group.name }),
      error,
      h(
        "div",
        { class: "add-row" },
        name,
        h("label", { class: "mini" }, h("span", { text: "min" }), low),
        h("label", { class: "mini" }, h("span", { text: "max" }), high),
        save,
        ...(group.archived
          ? []
          : moveButtons(ids, group.id, group.name, `/menu/items/${item.id}/groups/order`, error)),
        archiveButton("groups", group, error),
      ),
      h(
        "ul",
        { class: "editor-list options" },
        ...options.filter(visible).map((o) => optionRow(group, o, optionIds, error)),
      ),
      group.archived ? null : newOptionRow(group, error),
    );
  }

  function optionRow(group, option, ids, error) {
    const name = h("input", {
      value: option.name,
      maxlength: 60,
      "aria-label": `${option.name}: name`,
    });
    const price = h("input", {
      class: "narrow",
      inputmode: "decimal",
      value: (option.price_cents / 100).toFixed(2),
      "aria-label": `${option.name}: price`,
    });
    return h(
      "li",
      { class: option.archived ? "is-archived" : "", dataset: { optionId: option.id } },
      name,
      price,
      h("button", {
        type: "button",
        class: "btn",
        text: "Save",
        "aria-label": `Save ${option.name}`,
        onclick: () => {
          const cents = parseMoney(price.value);
          if (cents === null) {
            error.textContent = `Enter ${option.name}'s price as an amount, e.g. 1.50.`;
            error.hidden = false;
            return;
          }
          const body = { name: name.value, price_cents: cents };
          change("PATCH", `/menu/options/${option.id}`, body, error);
        },
      }),
      ...(option.archived
        ? []
        : moveButtons(
            ids,
            option.id,
            option.name,
            `/menu/groups/${group.id}/options/order`,
            error,
          )),
      archiveButton("options", option, error),
    );
  }

  function newOptionRow(group, error) {
    const name = h("input", {
      maxlength: 60,
      placeholder: "New option",
      "aria-label": `New option of ${group.name}`,
    });
    const price = h("input", {
      class: "narrow",
      inputmode: "decimal",
      placeholder: "+ 0.00",
      "aria-label": `New option of ${group.name}: price`,
    });
    return h(
      "div",
      { class: "add-row new-option" },
      name,
      price,
      h("button", {
        type: "button",
        class: "btn primary",
        text: "Add option",
        "aria-label": `Add an option to ${group.name}`,
        onclick: async () => {
          const cents = price.value.trim() ? parseMoney(price.value) : 0;
          if (cents === null) {
            error.textContent = "Enter the option's price as an amount, e.g. 1.50 (0 for none).";
            error.hidden = false;
            return;
          }
          // The row may be redrawn before the answer (its draft kept): found again then.
          const labels = [`New option of ${group.name}`, `New option of ${group.name}: price`];
          const row = () =>
            labels.map((label) =>
              [...$("#groups").querySelectorAll(".new-option input")].find(
                (input) => input.getAttribute("aria-label") === label,
              ),
            );
          const typed = sent(null, row);
          const body = { name: name.value, price_cents: cents };
          if (await change("POST", `/menu/groups/${group.id}/options`, body, error)) typed.clear();
        },
      }),
    );
  }

  $("#new-group-add").addEventListener("click", async () => {
    const name = $("#new-group-name");
    const low = whole($("#new-group-min"));
    const high = whole($("#new-group-max"));
    const error = $("#item-error");
    if (Number.isNaN(low) || Number.isNaN(high)) {
      error.textContent = "Min and max are whole numbers, e.g. 0 and 1.";
      error.hidden = false;
      return;
    }
    const typed = sent($("#add-group"), [name, $("#new-group-min"), $("#new-group-max")]);
    const body = { name: name.value, min: low, max: high };
    if (await change("POST", `/menu/items/${openItemId}/groups`, body, error)) typed.clear();
  });

  // --- the menu file -------------------------------------------------------------------------

  $("#import-open").addEventListener("click", () => {
    $("#import-error").hidden = true;
    $("#import-result").hidden = true;
    $("#import-dialog").showModal();
  });
  $("#import-close").addEventListener("click", () => $("#import-dialog").close());

  $("#import-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const problems = $("#import-error");
    const outcome = $("#import-result");
    problems.hidden = true;
    outcome.hidden = true;
    const file = $("#import-file").files[0];
    if (!file) {
      problems.textContent = "Choose the menu file first.";
      problems.hidden = false;
      return;
    }
    // By its name: spreadsheets save CSV under many types (a .csv may come as Excel's).
    const format = /\.json$/i.test(file.name) ? "json" : "csv";
    const mode = $("#import-replace").checked ? "replace" : "merge";
    const go = $("#import-go");
    go.disabled = true;
    let status = 0;
    let body = null;
    try {
      const response = await fetch(`/api/v1/menu/import?format=${format}&mode=${mode}`, {
        method: "POST",
        headers: {
          "Content-Type": format === "json" ? "application/json" : "text/csv",
          Accept: "application/json",
        },
        body: await file.arrayBuffer(),
        credentials: "same-origin",
        cache: "no-store",
      });
      status = response.status;
      body = await response.json().catch(() => null);
    } catch (error) {
      status = 0;
    } finally {
      go.disabled = false;
    }
    if (status !== 200) {
      problems.textContent =
        body && body.error
          ? body.error.message
          : status
            ? `The server answered ${status}.`
            : "No answer from the server (the connection dropped). Nothing was imported.";
      problems.hidden = false;
      return;
    }
    const { created, updated, archived } = body;
    outcome.textContent =
      `Imported ${body.rows} rows: ${created.items} items added, ${updated.items} changed` +
      (mode === "replace" ? `, ${archived.items} archived` : "") +
      ` (${created.categories} new categories, ${created.options} new options).`;
    outcome.hidden = false;
    toast("Menu imported", "good");
    await reload();
  });

  // --- the whole screen ----------------------------------------------------------------------

  function render() {
    renderCategories();
    renderItems();
    if (openItemId && $("#item-dialog").open) {
      const item = itemById(openItemId);
      if (item) {
        $("#item-title").textContent = item.name;
        $("#item-archive").textContent = item.archived ? "Restore" : "Archive";
        renderGroups();
      }
    }
  }

  showArchived.addEventListener("change", render);
  render();
  live({
    after: page.last_seq,
    onEvent: (event) => {
      if (event.type === "menu.updated" || event.type === "restaurant.updated") refresh();
    },
    onResync: refresh,
  });
})();
