/* Tableside: what every screen shares — the API client, money, small DOM helpers, toasts,
   the live feed (WebSocket with catch-up by seq), and the 86 list. Plain JavaScript, no
   build step. Every text from the server is put on the page as text, never as HTML. */
"use strict";

const TS = (() => {
  const dataNode = document.getElementById("page-data");
  const page = dataNode ? JSON.parse(dataNode.textContent || "{}") : {};
  const currency = (page.restaurant && page.restaurant.currency) || "USD";
  const moneyFormat = new Intl.NumberFormat("en-US", { style: "currency", currency });

  /** Integer cents → "$12.34". Money stays integer cents everywhere else. */
  function fmt(cents) {
    return moneyFormat.format((cents || 0) / 100);
  }

  /** "12", "12.5", "$1,234.50" → integer cents; null when it is not an amount. */
  function parseMoney(text) {
    const cleaned = String(text || "").replace(/[$,\s]/g, "");
    const match = /^(\d{1,7})(?:\.(\d{0,2}))?$/.exec(cleaned);
    if (!match) return null;
    return Number(match[1]) * 100 + Number((match[2] || "").padEnd(2, "0"));
  }

  /** A percentage of an amount, rounded half up to the cent (the server's rule too). */
  function percentOf(cents, percent) {
    return Math.floor((cents * percent + 50) / 100);
  }

  /** h("button", {class: "btn", onclick: f}, "text", child…) — children as text or nodes. */
  function h(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(props || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (name === "class") node.className = value;
      else if (name === "text") node.textContent = value;
      else if (name === "dataset") Object.assign(node.dataset, value);
      else if (name === "style") Object.assign(node.style, value);
      else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
      else if (value === true) node.setAttribute(name, "");
      else node.setAttribute(name, String(value));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  const $ = (selector, root) => (root || document).querySelector(selector);

  /** A check's figures down to its total, as every screen lists them: ``[label, cents,
   *  kind]`` rows, discounts and service charge only when there are some, and the tax
   *  either added before the total or, in prices that include it, named after it. */
  function totalRows(check) {
    return [
      ["Subtotal", check.subtotal_cents],
      check.discount_cents ? ["Discounts", -check.discount_cents] : null,
      check.service_charge_cents ? ["Service charge", check.service_charge_cents] : null,
      check.tax_included ? null : ["Tax", check.tax_cents],
      ["Total", check.total_cents, "total"],
      check.tax_included && check.tax_cents ? ["Tax included", check.tax_cents, "included"] : null,
    ].filter(Boolean);
  }

  /** ``[label, cents, kind]`` rows (null ones left out) as a <dl>'s terms and amounts; each
   *  amount carries ``data-<key>`` = its label in lower case. */
  function amountList(rows, key) {
    return rows
      .filter(Boolean)
      .flatMap(([label, cents, kind]) => [
        h("dt", { class: kind || "", text: label }),
        h("dd", { class: kind || "", dataset: { [key]: label.toLowerCase() }, text: fmt(cents) }),
      ]);
  }

  /** One idempotency key per payment attempt. randomUUID needs a secure context (https or
   *  localhost); a tablet on the restaurant's LAN over plain http falls back to
   *  getRandomValues, which every browser has. */
  function newKey() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") {
      return window.crypto.randomUUID();
    }
    const bytes = window.crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  /** Call the API. Never throws: a lost connection is status 0. ``message`` is the
   *  server's own words (written for the floor) whenever it sent some. */
  async function api(method, path, body, options) {
    const opts = options || {};
    const headers = { Accept: "application/json", ...(opts.headers || {}) };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let response;
    try {
      response = await fetch(`/api/v1${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: "same-origin",
        cache: "no-store",
      });
    } catch (error) {
      return {
        status: 0,
        ok: false,
        body: null,
        code: "network_error",
        message: "No answer from the server (the connection dropped).",
      };
    }
    let parsed = null;
    if (response.status !== 204) {
      try {
        parsed = await response.json();
      } catch (error) {
        parsed = null;
      }
    }
    const error = parsed && parsed.error ? parsed.error : null;
    const result = {
      status: response.status,
      ok: response.ok,
      body: parsed,
      code: error ? error.code : response.ok ? null : "http_error",
      message: error ? error.message : response.ok ? "" : `The server answered ${response.status}.`,
    };
    if (response.status === 401 && !opts.keepOn401) {
      toast(result.message || "Your session has ended. Log in again.", "bad");
      setTimeout(() => location.assign("/"), 1200);
    }
    return result;
  }

  /** Ask the server for a change and answer its result. A refusal's message shows in
   *  ``where`` (the error line the screen keeps for it) or, without one, as a toast; once
   *  the change is made ``where`` is hidden again. */
  async function change(method, path, body, where) {
    const result = await api(method, path, body);
    if (!result.ok) {
      if (where) {
        where.textContent = result.message;
        where.hidden = false;
      } else {
        toast(result.message, "bad");
      }
    } else if (where) {
      where.hidden = true;
    }
    return result;
  }

  /** One message at a time: a new one replaces the one showing. A problem ("bad") stays
   *  longer than a confirmation. */
  function toast(message, kind) {
    const box = $("#toasts");
    if (!box || !message) return;
    const item = h("div", { class: `toast ${kind || ""}`, text: message });
    box.replaceChildren(item);
    const stay = kind === "bad" ? 6000 : 3000;
    setTimeout(() => item.classList.add("leaving"), stay);
    setTimeout(() => item.remove(), stay + 500);
  }

  /** A row that scrolls sideways shows that it does. Its ``.scroller`` wrapper gets
   *  ``data-more`` = "before", "after", "both" or "" (CSS fades that edge and shows the
   *  wrapper's ``.scroll-prev`` / ``.scroll-next`` arrows), kept true as the row scrolls,
   *  resizes or is re-rendered. */
  function scrollHints(row) {
    const wrap = row.closest(".scroller");
    if (!wrap) return;
    const update = () => {
      const end = row.scrollWidth - row.clientWidth;
      const before = row.scrollLeft > 2;
      const after = row.scrollLeft < end - 2;
      wrap.dataset.more = before && after ? "both" : before ? "before" : after ? "after" : "";
    };
    const step = (sign) =>
      row.scrollBy({ left: sign * Math.max(120, row.clientWidth * 0.7), behavior: "smooth" });
    const prev = $(".scroll-prev", wrap);
    const next = $(".scroll-next", wrap);
    if (prev) prev.addEventListener("click", () => step(-1));
    if (next) next.addEventListener("click", () => step(1));
    row.addEventListener("scroll", update, { passive: true });
    new ResizeObserver(update).observe(row);
    new MutationObserver(update).observe(row, { childList: true, subtree: true });
    update();
  }

  /**
   * What a form is about to send, remembered so the answer can clear it: ``clear()`` empties
   * the fields (and gives ``first`` the focus) only while they still hold what was sent and
   * the focus is still in the form. The live feed often shows the change before its answer
   * comes; by then the person may be typing the next one, which stays theirs. ``fields``
   * may be a function that finds them, for a form the feed redraws (its drafts kept).
   */
  function sent(form, fields, first) {
    const find = typeof fields === "function" ? fields : () => fields;
    const values = find().map((field) => field.value);
    return {
      clear() {
        const now = find();
        const kept = (field, i) => field && field.isConnected && field.value === values[i];
        if (now.length !== values.length || !now.every(kept)) return;
        const focused = document.activeElement;
        const within = form || now[0].parentNode;
        const free = !focused || focused === document.body || within.contains(focused);
        for (const field of now) field.value = field.defaultValue;
        if (free) (first || now[0]).focus();
      },
    };
  }

  /** ``fn`` every ``ms`` while the page is in view, and at once when it comes back into view:
   *  a phone put away asks the server nothing. */
  function whileInView(ms, fn) {
    const run = () => {
      if (document.visibilityState === "visible") fn();
    };
    setInterval(run, ms);
    document.addEventListener("visibilitychange", run);
  }

  /**
   * A payment or refund attempt waiting for its final answer, kept in ``storage`` under
   * ``name`` so that a reload or a lost connection retries it with the same Idempotency-Key.
   * An attempt is ``{key, body, …}``; anything else read back counts as none.
   */
  function keptAttempt(storage, name) {
    return {
      load() {
        try {
          const stored = JSON.parse(storage.getItem(name) || "null");
          return stored && typeof stored.key === "string" && stored.body ? stored : null;
        } catch (error) {
          return null;
        }
      },
      keep(attempt) {
        storage.setItem(name, JSON.stringify(attempt));
      },
      forget() {
        storage.removeItem(name);
      },
    };
  }

  /** Run ``fn`` now, or once more right after the run in progress: events that arrive in a
   *  burst cost one or two reloads, never one each, and never two at once. */
  function coalesce(fn) {
    let running = false;
    let again = false;
    return async function run() {
      if (running) {
        again = true;
        return;
      }
      running = true;
      try {
        do {
          again = false;
          await fn();
        } while (again);
      } finally {
        running = false;
      }
    };
  }

  /**
   * The live feed: every event of the restaurant, in order, each once.
   * Connects to WS /api/v1/ws?after=<seq> (the login cookie authenticates it), answers
   * heartbeats, and on any close reconnects — with backoff — from the last seq it saw, so
   * the server replays what was missed. When the server says the log no longer reaches
   * back that far (resync_required), ``onResync`` reloads the screen's data.
   */
  function live({ after, onEvent, onResync }) {
    let seq = Number(after) || 0;
    let socket = null;
    let retryTimer = null;
    let backoff = 500;
    const indicator = $("#live");

    function show(state, text) {
      if (!indicator) return;
      indicator.dataset.state = state;
      indicator.textContent = text;
    }

    function resync(lastSeq) {
      if (typeof lastSeq === "number") seq = lastSeq;
      document.documentElement.dataset.seq = String(seq);
      onResync();
    }

    function connect() {
      retryTimer = null;
      const scheme = location.protocol === "https:" ? "wss:" : "ws:";
      socket = new WebSocket(`${scheme}//${location.host}/api/v1/ws?after=${seq}`);
      let resyncSeen = false;
      socket.onmessage = (message) => {
        let data;
        try {
          data = JSON.parse(message.data);
        } catch (error) {
          return;
        }
        if (typeof data.seq === "number") {
          if (data.seq <= seq) return; // already seen
          seq = data.seq;
          document.documentElement.dataset.seq = String(seq); // what this tablet has seen
          try {
            onEvent(data);
          } catch (error) {
            console.error("event handler failed", error);
          }
          return;
        }
        if (data.type === "heartbeat") {
          socket.send(JSON.stringify({ type: "heartbeat" }));
        } else if (data.type === "ready") {
          backoff = 500;
          show("live", "Live");
        } else if (data.type === "resync_required") {
          resyncSeen = true;
          resync(data.last_seq);
        }
      };
      socket.onclose = (event) => {
        socket = null;
        if (event.code === 4401) {
          show("down", "Logged out");
          toast("Your session has ended. Log in again.", "bad");
          setTimeout(() => location.assign("/"), 1200);
          return;
        }
        if (event.code === 4409 && !resyncSeen) {
          const found = /after=(\d+)/.exec(event.reason || "");
          resync(found ? Number(found[1]) : undefined);
        }
        show("reconnecting", "Reconnecting…");
        schedule();
      };
    }

    function schedule() {
      if (retryTimer !== null) return;
      const wait = backoff + Math.random() * backoff * 0.5;
      backoff = Math.min(backoff * 2, 10000);
      retryTimer = setTimeout(connect, wait);
    }

    // A tablet waking from sleep reconnects at once instead of waiting out its backoff.
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible" && socket === null && retryTimer !== null) {
        clearTimeout(retryTimer);
        connect();
      }
    });
    window.addEventListener("online", () => {
      if (socket === null && retryTimer !== null) {
        clearTimeout(retryTimer);
        connect();
      }
    });

    document.documentElement.dataset.seq = String(seq);
    connect();
    return {
      get seq() {
        return seq;
      },
    };
  }

  /** The 86 list: every item with a button to 86 it or bring it back. */
  function eightySixList(container, menu, onChanged) {
    container.replaceChildren();
    for (const category of menu.categories) {
      const items = menu.items.filter((item) => item.category_id === category.id);
      if (!items.length) continue;
      container.append(h("h3", { class: "list-heading", text: category.name }));
      const list = h("ul", { class: "eighty-six-list" });
      for (const item of items) {
        const button = h("button", {
          type: "button",
          class: `btn ${item.available ? "" : "danger"}`,
          text: item.available ? "86 it" : "Bring back",
          "aria-label": `${item.available ? "86" : "Bring back"} ${item.name}`,
          onclick: async () => {
            button.disabled = true;
            const result = await api("PUT", `/menu/items/${item.id}/availability`, {
              available: !item.available,
            });
            button.disabled = false;
            if (!result.ok) {
              toast(result.message, "bad");
              return;
            }
            Object.assign(item, result.body);
            toast(
              item.available ? `${item.name} is back on` : `${item.name} is 86'd`,
              item.available ? "good" : "",
            );
            onChanged(menu);
          },
        });
        list.append(
          h(
            "li",
            { class: item.available ? "" : "is-86", dataset: { itemId: item.id } },
            h("span", { class: "name", text: item.name }),
            h("span", { class: "state", text: item.available ? "On" : "86'd" }),
            button,
          ),
        );
      }
      container.append(list);
    }
  }

  // --- order types --------------------------------------------------------------------------

  const TYPES = ["dine_in", "takeout", "online", "kiosk"];
  const TYPE_WORDS = { dine_in: "Dine in", takeout: "Takeout", online: "Online", kiosk: "Kiosk" };

  /** How the screens name an order type. */
  function typeWord(type) {
    return TYPE_WORDS[type] || "Check";
  }

  /** An order type's badge: the same words and colours on every screen. */
  function typeBadge(type) {
    return h("span", { class: `type-badge type-${type}`, dataset: { type }, text: typeWord(type) });
  }

  /** Where a check (or its ticket) is: its table, or, without one, the guest it is for
   *  ("Takeout · Maria"), or its type and number. */
  function whereOf(check) {
    if (check.table_label) return `Table ${check.table_label}`;
    const number = check.check_number ?? check.number;
    if (check.guest_name) return `${typeWord(check.type)} · ${check.guest_name}`;
    return `${check.type && check.type !== "dine_in" ? typeWord(check.type) : "Check"} #${number}`;
  }

  // The screens' links scroll sideways when they outgrow a phone's bar.
  const topnav = $(".topnav");
  if (topnav) scrollHints(topnav);

  // Every screen but login has the log-out button.
  const logout = $("#logout");
  if (logout) {
    logout.addEventListener("click", async () => {
      logout.disabled = true;
      await api("POST", "/auth/logout", undefined, { keepOn401: true });
      location.assign("/");
    });
  }

  return {
    page,
    fmt,
    parseMoney,
    percentOf,
    h,
    $,
    totalRows,
    amountList,
    newKey,
    api,
    change,
    toast,
    scrollHints,
    coalesce,
    sent,
    whileInView,
    keptAttempt,
    live,
    eightySixList,
    TYPES,
    typeWord,
    typeBadge,
    whereOf,
  };
})();
