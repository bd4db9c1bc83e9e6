/* Login: restaurant code + PIN pad. The server sets the session cookie; then the screen
   for the staff member's role. */
"use strict";

(() => {
  const { $, h, api } = TS;
  const form = $("#login");
  const restaurant = $("#restaurant");
  const dots = $("#pin-dots");
  const error = $("#login-error");
  const submit = $("#login-submit");
  const HOME = { server: "/floor", manager: "/floor", kitchen: "/kitchen" };
  const MAX = 8;
  let pin = "";

  restaurant.value = localStorage.getItem("tableside.restaurant") || restaurant.value;

  function showPin() {
    dots.replaceChildren(
      ...Array.from({ length: Math.max(4, pin.length) }, (_, i) =>
        h("span", { class: i < pin.length ? "filled" : "" }),
      ),
    );
    dots.setAttribute("aria-label", `${pin.length} digits entered`);
  }

  function press(key) {
    error.hidden = true;
    if (key === "clear") pin = "";
    else if (key === "back") pin = pin.slice(0, -1);
    else if (/^\d$/.test(key) && pin.length < MAX) pin += key;
    showPin();
  }

  $("#keypad").addEventListener("click", (event) => {
    const key = event.target.closest("[data-key]");
    if (key) press(key.dataset.key);
  });

  document.addEventListener("keydown", (event) => {
    if (event.target === restaurant) return;
    if (/^\d$/.test(event.key)) press(event.key);
    else if (event.key === "Backspace") press("back");
    else if (event.key === "Escape") press("clear");
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (submit.disabled) return;
    if (pin.length < 4) {
      error.textContent = "Enter your PIN (4 to 8 digits).";
      error.hidden = false;
      return;
    }
    submit.disabled = true;
    submit.textContent = "Logging in…";
    const code = restaurant.value.trim();
    const result = await api("POST", "/auth/login", { restaurant: code, pin }, { keepOn401: true });
    if (result.ok) {
      localStorage.setItem("tableside.restaurant", code);
      location.assign(HOME[result.body.staff.role] || "/floor");
      return;
    }
    pin = "";
    showPin();
    error.textContent = result.message;
    error.hidden = false;
    submit.disabled = false;
    submit.textContent = "Log in";
  });

  showPin();
})();
