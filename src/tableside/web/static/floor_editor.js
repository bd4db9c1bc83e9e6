/* The floor editor: the plan on its grid. Drag a table (pointer events: finger, pen or
   mouse) to move it and its corner to resize it — both snap to whole cells; drag "+ Table"
   onto the plan (or tap it) to add one; tap a table to change its label, seats, shape,
   section or size, or to remove it; add, rename, reorder and remove sections. Every change
   goes through the API and the plan is then drawn as the server has it; a refusal (a label
   taken, a table in the way, a party at the table) is shown in the API's own words and the
   table goes back where it was. Changes from elsewhere arrive as floor.updated. */
"use strict";

(() => {
  const { page, h, $, api, toast, live, coalesce, sent } = TS;
  let plan = page.plan;
  let selectedId = null;
  let cell = 24; // pixels per grid cell, fitted to the screen
  const planNode = $("#plan");
  const wrap = $("#plan-wrap");
  const SHAPES = { round: "Round", square: "Square", rect: "Long (rect)", booth: "Booth" };

  const tableById = (id) => plan.tables.find((t) => t.id === id);
  const sections = () => plan.sections.slice().sort((a, b) => a.position - b.position);

  async function reload() {
    const result = await api("GET", "/floor/editor");
    if (!result.ok) {
      toast(result.message, "bad");
      return;
    }
    plan = result.body;
    render();
  }
  const refresh = coalesce(reload);

  /** Ask for a change; on a refusal show the API's message (in ``where`` or a toast), draw
   *  the plan as it was and answer null; on success draw the plan as it now is. */
  async function change(method, path, body, where) {
    const result = await TS.change(method, path, body, where);
    if (!result.ok) {
      render();
      return null;
    }
    await reload();
    return result.body || {};
  }

  // --- the plan --------------------------------------------------------------------------

  function fitCells() {
    const width = wrap.clientWidth - 2;
    cell = Math.max(22, Math.floor(width / plan.grid.columns)); // 2 cells: 44 px at least
    planNode.style.width = `${cell * plan.grid.columns}px`;
    planNode.style.height = `${cell * plan.grid.rows}px`;
    planNode.style.setProperty("--cell", `${cell}px`);
  }

  function place(node, spot) {
    Object.assign(node.style, {
      left: `${spot.x * cell}px`,
      top: `${spot.y * cell}px`,
      width: `${spot.width * cell}px`,
      height: `${spot.height * cell}px`,
    });
  }

  function sectionName(id) {
    const found = plan.sections.find((s) => s.id === id);
    return found ? found.name : "No section";
  }

  function tile(table) {
    const node = h(
      "div",
      {
        class: `plan-table shape-${table.shape} status-${table.status} ${
          table.id === selectedId ? "selected" : ""
        }`,
        role: "button",
        tabindex: "0",
        "aria-label": `Table ${table.label}, seats ${table.capacity}, ${sectionName(table.section_id)}`,
        dataset: { tableId: table.id, label: table.label },
      },
      h("span", { class: "label", text: table.label }),
      h("span", { class: "detail", text: `${table.capacity} seats` }),
      h("span", { class: "resize", "aria-hidden": "true", dataset: { resize: "1" } }),
    );
    place(node, table);
    node.addEventListener("pointerdown", (event) => startDrag(event, node, table));
    node.addEventListener("keydown", (event) => {
      if (event.key === "Enter" || event.key === " ") select(table.id);
    });
    return node;
  }

  function render() {
    fitCells();
    planNode.replaceChildren(...plan.tables.map(tile));
    renderSections();
    renderForm();
  }

  /** The cell under a pointer, or null when it is off the plan. */
  function cellAt(clientX, clientY) {
    const box = planNode.getBoundingClientRect();
    const x = Math.floor((clientX - box.left) / cell);
    const y = Math.floor((clientY - box.top) / cell);
    if (x < 0 || y < 0 || x >= plan.grid.columns || y >= plan.grid.rows) return null;
    return { x, y };
  }

  const clamp = (value, low, high) => Math.max(low, Math.min(high, value));

  /** Move (or, from the corner, resize) a table by whole cells while the pointer is down;
   *  on release, save what changed. A press that never moved is a tap: select. */
  function startDrag(event, node, table) {
    if (event.button !== undefined && event.button > 0) return;
    event.preventDefault();
    const resizing = Boolean(event.target.dataset && event.target.dataset.resize);
    const start = { x: event.clientX, y: event.clientY };
    const was = { x: table.x, y: table.y, width: table.width, height: table.height };
    let now = { ...was };
    let moved = false;
    node.setPointerCapture(event.pointerId);
    node.classList.add("dragging");
    const onMove = (move) => {
      const dx = Math.round((move.clientX - start.x) / cell);
      const dy = Math.round((move.clientY - start.y) / cell);
      if (Math.abs(move.clientX - start.x) + Math.abs(move.clientY - start.y) > 6) moved = true;
      const { columns, rows, largest, smallest } = plan.grid;
      now = resizing
        ? {
            ...was,
            width: clamp(was.width + dx, smallest, Math.min(largest, columns - was.x)),
            height: clamp(was.height + dy, smallest, Math.min(largest, rows - was.y)),
          }
        : {
            ...was,
            x: clamp(was.x + dx, 0, columns - was.width),
            y: clamp(was.y + dy, 0, rows - was.height),
          };
      place(node, now);
    };
    const onUp = async () => {
      node.removeEventListener("pointermove", onMove);
      node.removeEventListener("pointerup", onUp);
      node.removeEventListener("pointercancel", onUp);
      node.classList.remove("dragging");
      if (!moved) {
        select(table.id);
        return;
      }
      const body = {};
      for (const key of ["x", "y", "width", "height"]) {
        if (now[key] !== was[key]) body[key] = now[key];
      }
      if (!Object.keys(body).length) return;
      selectedId = table.id;
      await change("PATCH", `/floor/tables/${table.id}`, body);
    };
    node.addEventListener("pointermove", onMove);
    node.addEventListener("pointerup", onUp);
    node.addEventListener("pointercancel", onUp);
  }

  // --- adding a table --------------------------------------------------------------------

  function nextLabel() {
    const taken = new Set(plan.tables.map((t) => t.label.toLowerCase()));
    let n = plan.tables.length + 1;
    for (let i = 1; i <= n; i += 1) {
      if (!taken.has(`t${i}`)) return `T${i}`;
    }
    while (taken.has(`t${n}`)) n += 1;
    return `T${n}`;
  }

  function covers(a, b) {
    return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
  }

  function firstFree(width, height) {
    for (let y = 0; y <= plan.grid.rows - height; y += 1) {
      for (let x = 0; x <= plan.grid.columns - width; x += 1) {
        const spot = { x, y, width, height };
        if (!plan.tables.some((t) => covers(spot, t))) return spot;
      }
    }
    return null;
  }

  async function addTable(spot) {
    const shape = $("#new-shape").value;
    const wide = shape === "rect" || shape === "booth";
    const size = { width: wide ? 3 : 2, height: 2 };
    const where = spot
      ? {
          x: clamp(spot.x, 0, plan.grid.columns - size.width),
          y: clamp(spot.y, 0, plan.grid.rows - size.height),
        }
      : firstFree(size.width, size.height);
    if (!where) {
      toast("The plan is full: make room first.", "bad");
      return;
    }
    const first = sections()[0];
    const created = await change("POST", "/floor/tables", {
      label: nextLabel(),
      capacity: shape === "round" ? 2 : 4,
      shape,
      section_id: first ? first.id : null,
      ...size,
      ...where,
    });
    if (created) {
      selectedId = created.id;
      toast(`Table ${created.label} added`, "good");
      render();
      $("#table-label").focus();
    }
  }

  const palette = $("#new-table");
  $("#new-shape").replaceChildren(
    ...plan.shapes.map((shape) => h("option", { value: shape, text: SHAPES[shape] || shape })),
  );
  $("#new-shape").value = "square";
  palette.addEventListener("keydown", (event) => {
    if (event.key === "Enter" || event.key === " ") addTable(null);
  });
  palette.addEventListener("pointerdown", (event) => {
    event.preventDefault();
    palette.setPointerCapture(event.pointerId);
    const start = { x: event.clientX, y: event.clientY };
    let ghost = null;
    const onMove = (move) => {
      if (!ghost && Math.abs(move.clientX - start.x) + Math.abs(move.clientY - start.y) > 6) {
        ghost = h("div", { class: `plan-table ghost shape-${$("#new-shape").value}` });
        planNode.append(ghost);
      }
      if (!ghost) return;
      const at = cellAt(move.clientX, move.clientY);
      ghost.hidden = !at;
      if (at) place(ghost, { ...at, width: 2, height: 2 });
    };
    const onUp = (up) => {
      palette.removeEventListener("pointermove", onMove);
      palette.removeEventListener("pointerup", onUp);
      palette.removeEventListener("pointercancel", onUp);
      if (!ghost) {
        addTable(null); // a tap: the first free place
        return;
      }
      ghost.remove();
      const at = up.type === "pointerup" ? cellAt(up.clientX, up.clientY) : null;
      if (at) addTable(at);
    };
    palette.addEventListener("pointermove", onMove);
    palette.addEventListener("pointerup", onUp);
    palette.addEventListener("pointercancel", onUp);
  });

  // --- the table's form ------------------------------------------------------------------

  let removeArmed = false;

  function select(id) {
    selectedId = id;
    removeArmed = false;
    $("#table-error").hidden = true;
    render();
  }

  function renderForm() {
    const table = tableById(selectedId);
    $("#table-form").hidden = !table;
    $("#table-empty").hidden = Boolean(table);
    if (!table) {
      $("#table-title").textContent = "Table";
      return;
    }
    $("#table-title").textContent = `Table ${table.label}${
      table.status === "occupied" ? " (seated)" : ""
    }`;
    const form = $("#table-form");
    if (form.dataset.tableId !== table.id || !form.contains(document.activeElement)) {
      form.dataset.tableId = table.id;
      $("#table-label").value = table.label;
      $("#table-seats").value = String(table.capacity);
      $("#table-width").value = String(table.width);
      $("#table-height").value = String(table.height);
      $("#table-shape").replaceChildren(
        ...plan.shapes.map((s) => h("option", { value: s, text: SHAPES[s] || s })),
      );
      $("#table-shape").value = table.shape;
      $("#table-section").replaceChildren(
        h("option", { value: "", text: "No section" }),
        ...sections().map((s) => h("option", { value: s.id, text: s.name })),
      );
      $("#table-section").value = table.section_id || "";
    }
    $("#table-remove").textContent = removeArmed ? `Tap again to remove ${table.label}` : "Remove";
    $("#table-remove").classList.toggle("danger", removeArmed);
  }

  $("#table-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const table = tableById(selectedId);
    if (!table) return;
    const wanted = {
      label: $("#table-label").value,
      capacity: Number($("#table-seats").value),
      shape: $("#table-shape").value,
      section_id: $("#table-section").value || null,
      width: Number($("#table-width").value),
      height: Number($("#table-height").value),
    };
    const body = {};
    for (const [key, value] of Object.entries(wanted)) {
      if (value !== table[key]) body[key] = value;
    }
    if (!Object.keys(body).length) return;
    document.activeElement.blur();
    if (await change("PATCH", `/floor/tables/${table.id}`, body, $("#table-error"))) {
      toast(`Table ${wanted.label} saved`, "good");
    }
  });

  $("#table-remove").addEventListener("click", async () => {
    const table = tableById(selectedId);
    if (!table) return;
    if (!removeArmed) {
      removeArmed = true;
      renderForm();
      return;
    }
    removeArmed = false;
    if (await change("DELETE", `/floor/tables/${table.id}`, undefined, $("#table-error"))) {
      selectedId = null;
      toast(`Table ${table.label} removed from the floor`, "good");
      render();
    }
  });

  // --- sections --------------------------------------------------------------------------

  function renderSections() {
    const all = sections();
    const ids = all.map((s) => s.id);
    const where = $("#section-error");
    $("#sections").replaceChildren(
      ...all.map((section, i) => {
        const name = h("input", {
          value: section.name,
          maxlength: "60",
          "aria-label": `Name of ${section.name}`,
          autocomplete: "off",
        });
        const order = (step) => {
          const next = ids.slice();
          [next[i], next[i + step]] = [next[i + step], next[i]];
          return next;
        };
        return h(
          "li",
          { dataset: { sectionId: section.id } },
          name,
          h("small", { text: `${section.tables} table${section.tables === 1 ? "" : "s"}` }),
          h("button", {
            type: "button",
            class: "btn",
            text: "Rename",
            onclick: () =>
              change("PATCH", `/floor/sections/${section.id}`, { name: name.value }, where),
          }),
          h("button", {
            type: "button",
            class: "btn",
            text: "↑",
            "aria-label": `Move ${section.name} up`,
            disabled: i === 0,
            onclick: () => change("PUT", "/floor/sections/order", { ids: order(-1) }, where),
          }),
          h("button", {
            type: "button",
            class: "btn",
            text: "↓",
            "aria-label": `Move ${section.name} down`,
            disabled: i === all.length - 1,
            onclick: () => change("PUT", "/floor/sections/order", { ids: order(1) }, where),
          }),
          h("button", {
            type: "button",
            class: "btn",
            text: "Remove",
            "aria-label": `Remove ${section.name}`,
            onclick: async () => {
              if (await change("DELETE", `/floor/sections/${section.id}`, undefined, where)) {
                toast(`${section.name} removed`, "good");
              }
            },
          }),
        );
      }),
    );
  }

  $("#add-section").addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = $("#new-section");
    const typed = sent(event.target, [input]);
    if (await change("POST", "/floor/sections", { name: input.value }, $("#section-error"))) {
      typed.clear();
    }
  });

  // --- live ------------------------------------------------------------------------------

  live({
    after: page.last_seq,
    onEvent(event) {
      if (event.type === "floor.updated" || event.type === "table.updated") refresh();
    },
    onResync: refresh,
  });
  new ResizeObserver(() => {
    const before = cell;
    fitCells();
    if (cell !== before) render();
  }).observe(wrap);
  render();
})();
