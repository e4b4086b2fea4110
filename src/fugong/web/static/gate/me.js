// The person's page: fetch a fresh token before the current one expires (tokens live 5 minutes;
// refresh every minute). A file of its own: the Content-Security-Policy allows no inline script.
setInterval(async () => {
  const r = await fetch('/api/code/me/token', {headers: {Accept: 'application/json'}});
  if (r.ok) { const t = await r.json(); document.getElementById('qr').innerHTML = t.svg; }
}, 60000);
