// Gate page (扫码+测温): verifies health-code tokens in the browser with WebCrypto Ed25519 against
// the published public keys, so it keeps working with no network. Online, the server's answer is
// authoritative (it also checks revocation and replay across devices); offline, the local decision
// is shown and the scan is queued in localStorage, then synced to /api/code/scans/sync.
// Token: "HC1.<base64url JSON {c,k,i,e,kid,t}>.<base64url Ed25519 signature over 'HC1.<payload>'>".
(() => {
  "use strict";
  const FEVER = 37.3;           // °C, at or above denies (same rule as the server)
  const SKEW_S = 30;            // accepted clock drift for the issue time
  const STORE = { keys: "fugong.gate.keys", queue: "fugong.gate.queue", accepted: "fugong.gate.accepted",
                  gates: "fugong.gate.gates", gate: "fugong.gate.gate" };
  const $ = (id) => document.getElementById(id);
  const reasons = JSON.parse($("reasons").textContent);
  const lang = document.querySelector(".gate").dataset.lang;
  const words = JSON.parse($("gate-text").textContent);  // the page's words in its language
  const csrf = document.querySelector("meta[name=csrf-token]").content;
  const read = (name, fallback) => { try { return JSON.parse(localStorage.getItem(name)) ?? fallback; } catch { return fallback; } };
  const write = (name, value) => localStorage.setItem(name, JSON.stringify(value));

  function b64url(text) {
    let s = text.replace(/-/g, "+").replace(/_/g, "/");
    while (s.length % 4) s += "=";
    const bin = atob(s);
    return Uint8Array.from(bin, (ch) => ch.charCodeAt(0));
  }

  let keys = {};  // kid -> CryptoKey
  async function loadKeys() {
    let jwks = null;
    try {
      const response = await fetch("/api/code/keys", { headers: { Accept: "application/json" } });
      if (response.ok) { jwks = await response.json(); write(STORE.keys, jwks); }
    } catch { /* offline: use the keys saved last time */ }
    jwks = jwks || read(STORE.keys, { keys: [] });
    keys = {};
    for (const k of jwks.keys) {
      try { keys[k.kid] = await crypto.subtle.importKey("raw", b64url(k.x), { name: "Ed25519" }, false, ["verify"]); }
      catch (error) { console.warn("key", k.kid, "not imported", error); }
    }
    document.body.dataset.keys = String(Object.keys(keys).length);
  }

  async function verifyLocally(token, nowMs) {
    const parts = token.trim().split(".");
    if (parts.length !== 3 || parts[0] !== "HC1") return { ok: false, reason: "DENY_MALFORMED" };
    let claims;
    try { claims = JSON.parse(new TextDecoder().decode(b64url(parts[1]))); } catch { return { ok: false, reason: "DENY_MALFORMED" }; }
    if (!claims || !["c", "k", "i", "e", "kid", "t"].every((f) => f in claims)) return { ok: false, reason: "DENY_MALFORMED" };
    const key = keys[claims.kid];
    if (!key) return { ok: false, reason: "DENY_UNKNOWN_KEY" };
    let good = false;
    try {
      good = await crypto.subtle.verify({ name: "Ed25519" }, key, b64url(parts[2]),
                                        new TextEncoder().encode(parts[0] + "." + parts[1]));
    } catch { good = false; }
    if (!good) return { ok: false, reason: "DENY_BAD_SIGNATURE" };
    const now = nowMs / 1000;
    if (claims.i > now + SKEW_S) return { ok: false, reason: "DENY_NOT_YET_VALID" };
    if (now >= claims.e) return { ok: false, reason: "DENY_EXPIRED" };
    return { ok: true, reason: "OK", claims };
  }

  function decideLocally(check, temperature, gate) {
    if (!check.ok) return check.reason;
    if (temperature >= FEVER) return "DENY_FEVER";
    if (check.claims.k !== "green") return check.claims.k === "red" ? "DENY_RED" : "DENY_YELLOW";
    if (read(STORE.accepted, {})[gate + ":" + check.claims.t]) return "DENY_REPLAY";
    return "PASS_GREEN";
  }

  function remember(gate, check) {
    const accepted = read(STORE.accepted, {});
    const cutoff = Date.now() / 1000 - 3600;  // tokens live minutes: forget accepted ids after an hour
    for (const [id, exp] of Object.entries(accepted)) if (exp < cutoff) delete accepted[id];
    accepted[gate + ":" + check.claims.t] = check.claims.e;
    write(STORE.accepted, accepted);
  }

  function show(result, reasonCode, offline) {
    const text = reasons[reasonCode] || { zh: reasonCode, en: reasonCode };
    const out = $("result");
    out.className = "result " + result;
    out.dataset.reason = reasonCode;
    out.dataset.offline = offline ? "1" : "0";
    const head = result === "pass" ? words.pass : words.deny;
    const note = offline ? " " + words.offline_note : "";
    out.innerHTML = "";
    out.append(head + note);
    const small = document.createElement("small");
    small.textContent = (lang === "zh" ? text.zh : text.en) + " · " + reasonCode;
    out.append(small);
  }

  function showQueue() { $("queued").textContent = String(read(STORE.queue, []).length); }

  function showNet() {
    const net = $("net");
    net.className = "net" + (navigator.onLine ? "" : " offline");
    net.textContent = navigator.onLine ? words.online : words.offline;
  }

  async function post(url, body) {
    const response = await fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error("HTTP " + response.status);
    return response.json();
  }

  async function onSubmit(event) {
    event.preventDefault();
    const gate = $("gate").value;
    const token = $("token").value.trim();
    const temperature = parseFloat($("temperature").value);
    const nowMs = Date.now();
    write(STORE.gate, gate);
    const check = await verifyLocally(token, nowMs);
    try {
      if (!navigator.onLine) throw new Error("offline");
      const answer = await post("/api/code/scan", { gate_id: gate, token, temperature });
      if (answer.result === "pass" && check.ok) remember(gate, check);
      show(answer.result, answer.reason.code, false);
    } catch {
      const reason = decideLocally(check, temperature, gate);
      const result = reason === "PASS_GREEN" ? "pass" : "deny";
      if (result === "pass") remember(gate, check);
      const queue = read(STORE.queue, []);
      queue.push({ client_scan_id: crypto.randomUUID(), gate_id: gate, token, temperature,
                   scanned_at: new Date(nowMs).toISOString() });
      write(STORE.queue, queue);
      show(result, reason, true);
    }
    showQueue();
    $("token").value = "";
    $("token").focus();
  }

  let syncing = false;
  async function sync() {
    const queue = read(STORE.queue, []);
    if (syncing || !queue.length || !navigator.onLine) return;
    syncing = true;
    try {
      const batch = queue.slice(0, 200);
      const answer = await post("/api/code/scans/sync", { scans: batch });
      const done = new Set(answer.results.map((r) => r.client_scan_id));
      write(STORE.queue, read(STORE.queue, []).filter((s) => !done.has(s.client_scan_id)));
      document.body.dataset.synced = String(Number(document.body.dataset.synced || 0) + done.size);
    } catch (error) {
      console.warn("sync failed, will retry", error);
    } finally {
      syncing = false;
      showQueue();
    }
  }

  async function loadGates() {
    let gates = null;
    try {
      const response = await fetch("/api/code/gates", { headers: { Accept: "application/json" } });
      if (response.ok) { gates = (await response.json()).gates; write(STORE.gates, gates); }
    } catch { /* offline */ }
    gates = gates || read(STORE.gates, []);
    const select = $("gate");
    select.innerHTML = "";
    for (const g of gates) {
      const option = document.createElement("option");
      option.value = g.id;
      option.textContent = (lang === "en" && g.name_en ? g.name_en : g.name) + " (" + g.id + ")";
      select.append(option);
    }
    const last = read(STORE.gate, null);
    if (last && gates.some((g) => g.id === last)) select.value = last;
  }

  async function camera() {
    // Chromium's BarcodeDetector reads QR codes from the camera where the platform supports it.
    const detector = new BarcodeDetector({ formats: ["qr_code"] });
    const video = $("video");
    video.srcObject = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
    video.hidden = false;
    await video.play();
    const tick = async () => {
      const codes = await detector.detect(video).catch(() => []);
      if (codes.length) {
        $("token").value = codes[0].rawValue;
        video.srcObject.getTracks().forEach((t) => t.stop());
        video.hidden = true;
        $("temperature").focus();
      } else {
        requestAnimationFrame(tick);
      }
    };
    tick();
  }

  async function start() {
    showNet();
    showQueue();
    await Promise.all([loadKeys(), loadGates()]);
    $("scan-form").addEventListener("submit", onSubmit);
    $("sync").addEventListener("click", sync);
    if ("BarcodeDetector" in window && navigator.mediaDevices) {
      $("camera").hidden = false;
      $("camera").addEventListener("click", () => camera().catch((e) => console.warn(e)));
    }
    window.addEventListener("online", () => { showNet(); loadKeys(); sync(); });
    window.addEventListener("offline", showNet);
    setInterval(sync, 20000);
    sync();
    document.body.dataset.ready = "1";
  }
  start();
})();
