// Router and wiring: one event stream feeds every view; the page re-renders from the store on each update and
// ticks once a second so countdowns move between passes.

import { el } from './format.js';
import { store, connect, onChange } from './live.js';
import { renderOverview } from './overview.js';
import { renderService, loadServiceExtras } from './service.js';
import { renderHistory, loadHistory } from './history.js';
import { renderGantt } from './gantt.js';
import { act } from './actions.js';
import { loadForecast } from './forecast.js';
import { loadPool, renderPool } from './k2pow.js';

const root = document.getElementById('view');
let extras = {};

function route() {
  const hash = location.hash.replace(/^#\/?/, '');
  const [page, arg] = hash.split('/');
  return { page: page || 'overview', arg: arg ? decodeURIComponent(arg) : null };
}

function render() {
  const view = store.view;
  const now = Date.now();
  const { page, arg } = route();
  for (const a of document.querySelectorAll('nav a')) a.classList.toggle('active', a.dataset.route === page);
  if (!view) {
    root.replaceChildren(el('section', { class: 'card' }, el('p', { class: 'muted' }, 'Waiting for the first reconcile pass…')));
    return;
  }
  // Keep the scroll position of the log and the page across re-renders.
  const scroll = window.scrollY;
  if (page === 'service' && arg) renderService(root, view, now, arg, extras);
  else if (page === 'history') renderHistory(root, view, extras.history || []);
  else if (page === 'k2pow') renderPool(root, extras.pool);
  else if (page === 'timeline') root.replaceChildren(el('section', { class: 'card wide' }, el('h2', {}, 'Timeline'), renderGantt(view, now, Math.max(640, root.clientWidth - 40))));
  else renderOverview(root, view, now, (name) => { location.hash = `#/service/${encodeURIComponent(name)}`; });
  window.scrollTo(0, scroll);
  renderTopbar(view);
}

function renderTopbar(view) {
  const toggle = document.getElementById('pause-toggle');
  toggle.hidden = false;
  toggle.textContent = view.paused ? 'Resume fleet' : 'Pause fleet';
  document.getElementById('paused-flag').hidden = !view.paused;
}

async function refreshExtras() {
  const { page, arg } = route();
  try {
    if (page === 'service' && arg) extras = await loadServiceExtras(arg);
    else if (page === 'history') extras = { history: await loadHistory() };
    else if (page === 'k2pow') extras = { pool: await loadPool() };
    else extras = {};
  } catch { /* keep what we had; the next tick retries */ }
  render();
}

// The forecast changes only when the daemon learns an estimate: poll it for the overview.
let forecastLoading = false;
const refreshForecast = async () => {
  if (forecastLoading) return;
  forecastLoading = true;
  try { await loadForecast(); } finally { forecastLoading = false; }
  if (route().page === 'overview' || route().page === 'timeline') render();
};

document.getElementById('pause-toggle').addEventListener('click', () => act(store.view?.paused ? 'resume' : 'pause', null));
window.addEventListener('hashchange', () => { extras = {}; render(); refreshExtras(); });
onChange((kind) => {
  if (kind === 'connection') {
    const conn = document.getElementById('conn');
    conn.textContent = store.connected ? 'live' : 'reconnecting…';
    conn.className = `conn ${store.connected ? 'live' : 'down'}`;
    return;
  }
  // Before the first pass the daemon has no forecast: ask again as soon as a view arrives.
  if (kind === 'fleet' && !store.forecast) refreshForecast();
  render();
});

connect();
render();
refreshExtras();
setInterval(render, 1000);
refreshForecast();
setInterval(() => { if (route().page === 'overview' || route().page === 'timeline') refreshForecast(); }, 10000);
// Logs and history are not in the stream: poll them while their page is open.
setInterval(() => { if (route().page !== 'overview' && route().page !== 'timeline') refreshExtras(); }, 4000);
