/* Staff: who works here, active or not. Add someone with a PIN, change a role, give a new
   PIN, deactivate and reactivate. A manager manages servers and the kitchen; the owner
   everyone (the API refuses the rest, in words shown here). Changes from another tablet
   arrive as staff.updated. */
"use strict";

(() => {
  const { page, h, $, api, toast, live, coalesce, sent } = TS;
  let roster = page.roster;
  const owner = page.me.role === "owner";
  const ROLES = owner ? ["server", "kitchen", "manager", "owner"] : ["server", "kitchen"];
  const LABEL = { server: "Server", kitchen: "Kitchen", manager: "Manager", owner: "Owner" };

  async function reload() {
    const result = await api("GET", "/staff/roster");
    if (result.ok) {
      roster = result.body.staff;
      render();
    } else {
      toast(result.message, "bad");
    }
  }
  const refresh = coalesce(reload);

  async function change(method, path, body, done) {
    const result = await api(method, path, body);
    if (!result.ok) {
      toast(result.message, "bad");
      render();
      return null;
    }
    if (done) toast(done, "good");
    await reload();
    return result.body;
  }

  const manageable = (person) => owner || ["server", "kitchen"].includes(person.role);

  function row(person) {
    const mine = person.id === page.me.id;
    const may = manageable(person);
    const state = person.active ? "Active" : "Deactivated";
    const role = h(
      "select",
      {
        "aria-label": `Role of ${person.name}`,
        disabled: !may || mine,
        onchange: () =>
          change("PATCH", `/staff/${person.id}`, { role: role.value }, `${person.name} is now ${LABEL[role.value]}`),
      },
      ...(ROLES.includes(person.role) ? ROLES : [person.role, ...ROLES]).map((r) =>
        h("option", { value: r, text: LABEL[r] || r }),
      ),
    );
    role.value = person.role;
    return h(
      "li",
      { class: person.active ? "" : "is-archived", dataset: { staffId: person.id } },
      h("span", { class: "name", text: person.name }),
      role,
      h("small", { class: "state", text: state }),
      h("button", {
        type: "button",
        class: "btn",
        text: "New PIN",
        "aria-label": `New PIN for ${person.name}`,
        disabled: !may,
        onclick: () => openPin(person),
      }),
      h("button", {
        type: "button",
        class: "btn",
        text: person.active ? "Deactivate" : "Reactivate",
        "aria-label": `${person.active ? "Deactivate" : "Reactivate"} ${person.name}`,
        disabled: !may || mine,
        onclick: () =>
          change(
            "POST",
            `/staff/${person.id}/${person.active ? "deactivate" : "reactivate"}`,
            undefined,
            person.active ? `${person.name} is logged out and can no longer log in` : `${person.name} is back`,
          ),
      }),
    );
  }

  function render() {
    const active = roster.filter((p) => p.active);
    const gone = roster.filter((p) => !p.active);
    $("#staff").replaceChildren(...[...active, ...gone].map(row));
  }

  $("#new-role").replaceChildren(...ROLES.map((r) => h("option", { value: r, text: LABEL[r] })));
  $("#add-staff").addEventListener("submit", async (event) => {
    event.preventDefault();
    const typed = sent(event.target, [$("#new-name"), $("#new-pin")]);
    const body = { name: $("#new-name").value, role: $("#new-role").value, pin: $("#new-pin").value };
    const result = await api("POST", "/staff", body);
    const error = $("#add-error");
    if (!result.ok) {
      error.textContent = result.message;
      error.hidden = false;
      return;
    }
    error.hidden = true;
    typed.clear();
    toast(`${result.body.name} added: they can log in with their PIN`, "good");
    await reload();
  });

  let pinFor = null;
  function openPin(person) {
    pinFor = person;
    $("#pin-title").textContent = `New PIN for ${person.name}`;
    $("#pin-value").value = "";
    $("#pin-error").hidden = true;
    $("#pin-dialog").showModal();
  }
  $("#pin-cancel").addEventListener("click", () => $("#pin-dialog").close());
  $("#pin-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const result = await api("PUT", `/staff/${pinFor.id}/pin`, { pin: $("#pin-value").value });
    if (!result.ok) {
      $("#pin-error").textContent = result.message;
      $("#pin-error").hidden = false;
      return;
    }
    $("#pin-dialog").close();
    toast(`${pinFor.name} has a new PIN and is logged out everywhere`, "good");
    await reload();
  });

  live({
    after: page.last_seq,
    onEvent(event) {
      if (event.type === "staff.updated") refresh();
    },
    onResync: refresh,
  });
  render();
})();
