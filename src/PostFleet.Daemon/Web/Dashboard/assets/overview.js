// The overview: where the network is (epoch, cycle gap, deadline), whether the node answers, the fleet at a
// glance, open alerts, then the DAG, the timeline and the next cycle gap's forecast. A large fleet gets the same cards
// and alerts above fleetmap.js's grouped, filtered and virtualised view instead of one DAG of every disk.

import { el, clock, relative, duration } from './format.js';
import { store } from './live.js';
import { renderDag } from './dag.js';
import { renderGantt } from './gantt.js';
import { forecastCard } from './forecast.js';
import { isLarge, renderFleetMap, alertsSummary } from './fleetmap.js';

export function renderOverview(root, view, now, open) {
  const large = isLarge(view);
  const head = [
    ...historyBanner(view, now),
    el('section', { class: 'cards' }, epochCard(view), gapCard(view, now), deadlineCard(view, now), nodeCard(view), fleetCard(view)),
    ...nodesCards(view, now),
    large ? alertsSummary(store.alerts) : alertsCard(),
  ];
  if (large) {
    renderFleetMap(root, view, now, open, head);
    return;
  }
  root.replaceChildren(
    ...head,
    el('section', { class: 'card wide' },
      el('div', { class: 'card-head' }, el('h2', {}, 'Proving DAG'), dagLegend()),
      renderDag(view, now, open)),
    el('section', { class: 'card wide' },
      el('div', { class: 'card-head' }, el('h2', {}, 'Timeline'), el('span', { class: 'muted' }, "the daemon's run journal; hatched = the planner's forecast")),
      renderGantt(view, now, Math.min(1400, Math.max(640, root.clientWidth - 40)))),
    forecastCard(store.forecast),
  );
}

function card(title, value, ...rest) {
  return el('div', { class: 'card stat' }, el('div', { class: 'stat-title' }, title), el('div', { class: 'stat-value' }, value), ...rest);
}

function epochCard(view) {
  const n = view.network;
  if (!n) return card('Epoch', '–', el('div', { class: 'muted' }, 'network clock unknown'));
  return card('Epoch', String(n.currentEpoch), el('div', { class: 'muted' }, `layer ${n.currentLayer} · ${n.layersPerEpoch} layers × ${n.layerSeconds}s`));
}

function gapCard(view, now) {
  const g = view.network?.cycleGap;
  if (!g) return card('Cycle gap', '–');
  const opens = new Date(g.opens).getTime(), closes = new Date(g.closes).getTime();
  const progress = g.isOpen ? Math.min(1, (now - opens) / (closes - opens)) : 0;
  return card('Cycle gap', g.isOpen ? 'open' : relative(g.opens, now),
    el('div', { class: 'muted' }, `${g.isOpen ? `closes ${relative(g.closes, now)}` : 'until it opens'} · publish epoch ${g.publishEpoch}`),
    el('div', { class: 'muted' }, `${clock(g.opens)} – ${clock(g.closes)}`),
    el('div', { class: 'meter' }, el('div', { class: 'meter-fill', style: `width:${(progress * 100).toFixed(1)}%` })));
}

// The cycle gap card moves on when a gap closes, but the node takes that gap's proofs until its deadline: until
// then this card counts down to it rather than to the next gap's.
function deadlineCard(view, now) {
  const g = view.network?.cycleGap;
  if (!g) return card('Proof deadline', '–');
  const due = view.network.proofsDue;
  const dueLeft = due ? new Date(due.proofDeadline).getTime() - now : -1;
  const c = due?.gapClosed && dueLeft >= 0
    ? card('Proof deadline', duration(dueLeft),
      el('div', { class: 'muted due' }, `proofs for epoch ${due.publishEpoch} due by ${clock(due.proofDeadline)}`),
      el('div', { class: 'muted' }, `then epoch ${g.publishEpoch}: ${clock(g.proofDeadline)}`))
    : deadlineOf(g, now);
  c.dataset.card = 'deadline';
  return c;
}

function deadlineOf(g, now) {
  const left = new Date(g.proofDeadline).getTime() - now;
  return card('Proof deadline', left >= 0 ? duration(left) : 'passed', el('div', { class: 'muted' }, `${clock(g.proofDeadline)} · next challenge ${clock(g.nextChallengeAt)}`));
}

// A restarted node lists every identity IDLE until it has synced; the runs it will ask for again are kept.
function nodeCard(view) {
  const n = view.node;
  if (n.reachable && n.restart) {
    return el('div', { class: 'card stat warn', 'data-node': 'restarted' },
      el('div', { class: 'stat-title' }, 'Node'),
      el('div', { class: 'stat-value' }, el('span', { class: 'dot warn' }), 'restarted / syncing'),
      el('div', { class: 'muted' }, `${n.restart.message} · since ${clock(n.restart.since)}`));
  }
  return el('div', { class: `card stat ${n.reachable ? '' : 'bad'}` },
    el('div', { class: 'stat-title' }, 'Node'),
    el('div', { class: 'stat-value' }, el('span', { class: `dot ${n.reachable ? 'ok' : 'down'}` }), n.reachable ? 'reachable' : 'unreachable'),
    el('div', { class: 'muted' }, n.reachable ? `${n.identities} identities · ${n.postListener}` : (n.error || n.postListener)));
}

// Several nodes: each has its own clock and PoET phase, so each gets a card with its epoch, gap and deadline.
function nodesCards(view, now) {
  const nodes = view.nodes || [];
  if (nodes.length < 2) return [];
  return [el('section', { class: 'cards nodes' }, nodes.map((n) => {
    const g = n.network?.cycleGap;
    const due = n.network?.proofsDue;
    const gap = !g ? 'clock unknown' : g.isOpen ? `gap open · closes ${relative(g.closes, now)}` : `gap opens ${relative(g.opens, now)}`;
    return el('div', { class: `card stat ${n.reachable ? '' : 'bad'}`, 'data-node-name': n.name },
      el('div', { class: 'stat-title' }, `Node ${n.name}`),
      el('div', { class: 'stat-value' }, el('span', { class: `dot ${n.reachable ? 'ok' : 'down'}` }), n.network ? `epoch ${n.network.currentEpoch}` : (n.reachable ? 'reachable' : 'unreachable')),
      el('div', { class: 'muted node-gap' }, gap),
      el('div', { class: 'muted' }, due ? `proofs for epoch ${due.publishEpoch} due by ${clock(due.proofDeadline)}` : (n.error || n.postListener)),
      el('div', { class: 'muted' }, `${n.identities} identities · ${n.postListener}`));
  }))];
}

function fleetCard(view) {
  const s = view.summary;
  const chip = (cls, n, label) => el('span', { class: `chip state-${cls}` }, el('b', {}, String(n)), ` ${label}`);
  return el('div', { class: 'card stat' }, el('div', { class: 'stat-title' }, `Fleet · ${s.services} services · pass ${view.pass}`),
    el('div', { class: 'chips' }, chip('k2pow', s.k2Pow, 'k2pow'), chip('reading', s.reading, 'reading'), chip('delivered', s.delivered, 'delivered'),
      chip('failed', s.failed, 'failed'), chip('waiting', s.proving, 'node wants')),
    el('div', { class: 'muted' }, `${s.running} running · limits: ${view.schedule.perDisk}/disk, ${view.schedule.maxPow} k2pow, ${view.schedule.maxRunning || '∞'} total`));
}

// Proving goes on while the history file takes no writes (full disk, read-only file); say so above everything,
// since the history page and the next restart's learned estimates miss what happens meanwhile.
function historyBanner(view, now) {
  const h = view.history;
  if (!h || h.writable) return [];
  return [el('section', { class: 'card wide bad history-fault', role: 'alert' },
    el('h2', {}, 'History not written'),
    el('div', {}, `${h.path}: ${h.fault}`),
    el('div', { class: 'muted' }, `since ${relative(h.faultSince, now)} · proving goes on · ${h.rowsPending} rows wait in memory` +
      (h.rowsLost ? ` · ${h.rowsLost} lost` : '') + ' · free space or make the file writable: writing resumes by itself'))];
}

function alertsCard() {
  if (!store.alerts.length) return el('section', { class: 'alerts none' }, el('span', { class: 'dot ok' }), 'No open alerts');
  return el('section', { class: 'alerts' },
    el('h2', {}, `Open alerts (${store.alerts.length})`),
    el('ul', {}, store.alerts.map((a) => el('li', { class: `sev-${a.severity}` },
      el('span', { class: 'alert-kind' }, a.kind), a.summary, el('span', { class: 'muted' }, ` · since ${clock(a.since)}`)))));
}

function dagLegend() {
  const item = (state) => el('span', { class: 'legend-item' }, el('i', { class: `swatch state-${state}` }), state);
  return el('div', { class: 'legend' }, ['waiting', 'k2pow', 'reading', 'done', 'delivered', 'failed', 'idle'].map(item),
    el('span', { class: 'legend-item' }, el('i', { class: 'swatch line' }), 'disk order'),
    el('span', { class: 'legend-item' }, el('i', { class: 'swatch line dashed' }), 'after'));
}
