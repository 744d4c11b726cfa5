/**
 * The stand-in for `app.plex.tv/auth`: reads the hash (`#?…` as the forum guide writes it, or
 * `#!?…` as python-plexapi builds it), shows which product asks for access, lets a person pick
 * one of the scenario's accounts and approve. No password: the simulator trusts whoever clicks.
 */
export const AUTH_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Plex (simulated) – Sign in</title>
<style>
  body { font-family: system-ui, sans-serif; background: #1f2326; color: #eee; display: grid; place-items: center; min-height: 100vh; margin: 0; }
  main { background: #282c30; padding: 2rem; border-radius: 8px; width: min(26rem, 92vw); }
  h1 { font-size: 1.3rem; margin-top: 0; }
  label.account { display: flex; gap: .6rem; align-items: center; padding: .5rem; border-radius: 4px; cursor: pointer; }
  label.account:hover { background: #33383d; }
  button { background: #e5a00d; color: #1f2326; border: 0; border-radius: 4px; padding: .6rem 1.2rem; font-weight: 600; cursor: pointer; margin-top: 1rem; }
  button:disabled { opacity: .5; cursor: default; }
  .error { color: #ff8a80; }
</style>
</head>
<body>
<main>
  <h1 id="heading">Sign in to Plex</h1>
  <p id="asking"></p>
  <form id="form" hidden>
    <fieldset id="accounts" style="border:0;padding:0"><legend>Choose an account</legend></fieldset>
    <button id="approve" type="submit" disabled>Approve</button>
  </form>
  <p id="status" role="status"></p>
</main>
<script>
(async () => {
  const raw = location.hash.replace(/^#!?/, '').replace(/^\\?/, '');
  const params = new URLSearchParams(raw);
  const clientID = params.get('clientID') || '';
  const code = params.get('code') || '';
  const product = params.get('context[device][product]') || 'An application';
  const forwardUrl = params.get('forwardUrl');
  const status = document.getElementById('status');
  const fail = (msg) => { status.textContent = msg; status.className = 'error'; };
  if (!code || !clientID) return fail('This sign-in link is missing its code or client id.');
  const pin = await fetch('/auth/pin?code=' + encodeURIComponent(code) + '&clientID=' + encodeURIComponent(clientID));
  if (!pin.ok) return fail('This code was not found or has expired.');
  document.getElementById('asking').textContent = product + ' wants to access your Plex account.';
  const accounts = await (await fetch('/auth/accounts')).json();
  const box = document.getElementById('accounts');
  for (const a of accounts) {
    const label = document.createElement('label');
    label.className = 'account';
    const input = document.createElement('input');
    input.type = 'radio';
    input.name = 'account';
    input.value = String(a.id);
    input.addEventListener('change', () => { document.getElementById('approve').disabled = false; });
    const text = document.createElement('span');
    text.textContent = a.title + ' (' + a.username + ')';
    label.append(input, text);
    box.append(label);
  }
  const form = document.getElementById('form');
  form.hidden = false;
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const chosen = form.querySelector('input[name=account]:checked');
    if (!chosen) return;
    document.getElementById('approve').disabled = true;
    const res = await fetch('/auth/approve', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code, clientID, accountId: Number(chosen.value) }),
    });
    if (!res.ok) return fail('Approval failed: the code was not found or has expired.');
    form.hidden = true;
    if (forwardUrl) { location.href = forwardUrl; return; }
    document.getElementById('heading').textContent = 'Signed in';
    status.textContent = 'You can close this window.';
  });
})();
</script>
</body>
</html>
`;
