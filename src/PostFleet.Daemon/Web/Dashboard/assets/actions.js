// User intents: POSTs to the API, with the token (asked once, kept for this tab only in sessionStorage: the
// dashboard keeps nothing beyond the tab) and a confirmation where an action loses work.

const TOKEN_KEY = 'postfleet.token';

const CONFIRM = {
  'force-stop': (name) => ({
    title: `Force-stop ${name}?`,
    text: 'post-service has no signal handler: stopping it while the node reports this identity PROVING loses ALL proving progress ' +
      '(the k2pow result and every byte read so far). The proof starts over from zero on the next start and may miss the cycle gap.',
    ok: 'Force-stop and lose progress',
  }),
  'skip-epoch': (name) => ({
    title: `Skip this epoch for ${name}?`,
    text: 'This identity will not prove in this cycle gap: no ATX for the coming epoch, so no rewards for it. It proves again next epoch.',
    ok: 'Skip this epoch',
  }),
};

export async function act(intent, service) {
  const spec = service && CONFIRM[intent];
  if (spec && !(await confirmDialog(spec(service)))) return;
  const path = service ? `/api/v1/services/${encodeURIComponent(service)}/${intent}` : `/api/v1/fleet/${intent}`;
  let response = await post(path);
  if (response.status === 401) {
    const token = prompt('This daemon needs its API token for actions:');
    if (!token) return;
    sessionStorage.setItem(TOKEN_KEY, token.trim());
    response = await post(path);
  }
  const body = await response.json().catch(() => ({}));
  toast(response.ok ? `${intent}${service ? ' ' + service : ''}: ${body.note || 'accepted'}` : `${intent} refused: ${body.error || response.status}`, !response.ok);
}

function post(path) {
  const headers = {};
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token) headers.Authorization = `Bearer ${token}`;
  return fetch(path, { method: 'POST', headers });
}

function confirmDialog({ title, text, ok }) {
  const dialog = document.getElementById('confirm');
  document.getElementById('confirm-title').textContent = title;
  document.getElementById('confirm-text').textContent = text;
  document.getElementById('confirm-ok').textContent = ok;
  dialog.returnValue = '';
  dialog.showModal();
  return new Promise((resolve) => dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true }));
}

let toastTimer;
export function toast(message, isError) {
  const box = document.getElementById('toast');
  box.textContent = message;
  box.className = `toast${isError ? ' error' : ''}`;
  box.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { box.hidden = true; }, 5000);
}
