// The k2pow pool page: each worker (health, the job it runs and for which service, learned hash rate), the router's
// queue in the order it hands jobs out, and its totals. Read from GET /api/v1/k2pow (not in the event stream: it
// changes every router poll), polled while the page is open.

import { el, clock } from './format.js';

export async function loadPool() {
  const response = await fetch('/api/v1/k2pow', { headers: { Accept: 'application/json' } });
  if (response.status === 404) return { absent: true };
  if (!response.ok) throw new Error(`k2pow pool: HTTP ${response.status}`);
  return response.json();
}

const rate = (r) => (r == null ? '—' : `${Math.round(r).toLocaleString('en')} H/s`);

function health(w) {
  if (w.healthy == null) return el('span', { class: 'chip' }, 'not checked');
  if (!w.healthy) return el('span', { class: 'chip state-failed', title: w.detail }, 'down');
  if (w.job) return el('span', { class: 'chip state-proving' }, 'working');
  if (w.busyElsewhere) return el('span', { class: 'chip state-waiting', title: w.detail }, 'busy elsewhere');
  return el('span', { class: 'chip state-idle' }, 'idle');
}

function serviceLink(name, miner) {
  return name ? el('a', { href: `#/service/${encodeURIComponent(name)}` }, name) : el('span', { class: 'muted', title: miner }, miner.slice(0, 8));
}

function workersTable(workers) {
  return el('table', { class: 'k2pow-workers' },
    el('thead', {}, el('tr', {}, ['worker', 'health', 'serving', 'group', 'since', 'hash rate (learned)', 'configured', 'done / lost', 'restarts'].map((h) => el('th', {}, h)))),
    el('tbody', {}, workers.map((w) => el('tr', { 'data-worker': w.name },
      el('td', {}, el('b', {}, w.name), ' ', el('span', { class: 'muted' }, w.url), w.managed ? el('span', { class: 'chip' }, 'managed') : null),
      el('td', {}, health(w), ' ', el('span', { class: 'muted' }, w.healthy === false ? w.detail : '')),
      el('td', {}, w.job ? serviceLink(w.job.service, w.job.miner) : '—'),
      el('td', {}, w.job ? String(w.job.group) : '—'),
      el('td', { class: 'nowrap' }, w.job?.dispatchedAt ? clock(w.job.dispatchedAt) : '—'),
      el('td', {}, rate(w.learnedHashRate)),
      el('td', {}, w.configuredHashRate != null ? rate(w.configuredHashRate) : (w.cores != null ? `${w.cores || 'all'} cores` : '—')),
      el('td', {}, `${w.jobsDone} / ${w.jobsLost}`),
      el('td', {}, w.process ? String(w.process.restarts) : '—')))));
}

function queueTable(queue) {
  if (!queue.length) return el('p', { class: 'muted' }, 'No job is waiting.');
  return el('table', { class: 'k2pow-queue' },
    el('thead', {}, el('tr', {}, ['#', 'service', 'group', 'waiting since'].map((h) => el('th', {}, h)))),
    el('tbody', {}, queue.slice(0, 200).map((j, i) => el('tr', {},
      el('td', {}, String(i + 1)), el('td', {}, serviceLink(j.service, j.miner)), el('td', {}, String(j.group)), el('td', { class: 'nowrap' }, clock(j.queuedAt))))));
}

export function renderPool(root, pool) {
  if (!pool) {
    root.replaceChildren(el('section', { class: 'card' }, el('h2', {}, 'k2pow pool'), el('p', { class: 'muted' }, 'Loading…')));
    return;
  }
  if (pool.absent) {
    root.replaceChildren(el('section', { class: 'card' }, el('h2', {}, 'k2pow pool'),
      el('p', { class: 'muted' }, 'This fleet runs k2pow on its own host. Add a k2pow: section to the config to use a pool of k2pow-service workers (docs/k2pow-pool.md).')));
    return;
  }
  const c = pool.router.counters;
  root.replaceChildren(
    el('section', { class: 'card wide', id: 'k2pow-pool' },
      el('h2', {}, 'k2pow pool'),
      el('p', {}, 'Router ', el('code', {}, pool.routerUrl), ` (listening on ${pool.listen}) · ${pool.routedServices.length} services routed · max-pow ${pool.maxPow} · parallelism ${pool.parallelism} · backoff ${pool.backoffSeconds}s`),
      el('p', { class: 'muted' }, `jobs: ${c.accepted} accepted, ${c.dispatched} dispatched, ${c.completed} done, ${c.failed} failed (500), ${c.lost} lost and ${c.redispatched} dispatched again`),
      workersTable(pool.router.workers)),
    el('section', { class: 'card wide' }, el('h2', {}, `Queue (${pool.router.queue.length})`), queueTable(pool.router.queue)));
}
