// The person's code page: a fresh signed token every minute (tokens live 5 minutes, so a screenshot
// stops working), the expiry shown as local time and counted down. The page works without this
// script too: "Refresh now" reloads it with a new token.
(function () {
  "use strict";
  const qr = document.getElementById("qr");
  const expires = document.getElementById("expires");
  if (!qr || !expires) return;
  let until = Number(expires.dataset.expires);

  function showExpiry() {
    const left = Math.round(until - Date.now() / 1000);
    const time = expires.querySelector("time");
    if (left <= 0) {
      expires.classList.add("expired");
      time.textContent = expires.dataset.expired;
      return;
    }
    expires.classList.remove("expired");
    const at = new Date(until * 1000);
    time.dateTime = at.toISOString();
    time.textContent = at.toLocaleTimeString() + " (" + Math.floor(left / 60) + ":" + String(left % 60).padStart(2, "0") + ")";
  }

  async function refresh() {
    try {
      const response = await fetch("/api/code/me/token", { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (!response.ok) return;
      const token = await response.json();
      qr.innerHTML = token.svg;
      qr.dataset.token = token.token;
      until = token.expires;
      showExpiry();
    } catch (error) {
      console.warn("token refresh failed; will retry", error);
    }
  }

  showExpiry();
  setInterval(showExpiry, 1000);
  setInterval(refresh, 60000);
  document.addEventListener("visibilitychange", () => { if (!document.hidden) refresh(); });
})();
