// One service: what the node and the service say, how fast it reads, when it should finish, its log and its
// history across epochs, and the actions that apply to it.

import { el, bytes, pct, duration, clock, relative } from './format.js';
import { stateText } from './dag.js';
import { act } from './actions.js';
import { historyTable } from './history.js';

export function renderService(root, view, now, name, extras) {
  const s = view.services.find((x) => x.name === name);
  if (!s) {
    root.replaceChildren(el('section', { class: 'card' }, el('h2', {}, `Unknown service ${name}`), el('a', { href: '#/' }, 'Back to the overview')));
    return;
  }
  // Every figure here is the daemon's: the planner's rates and estimate, the journal's runs.
  const rate = s.readRate;
  const eta = s.estimatedFinish ? new Date(s.estimatedFinish).getTime() : null;
  const k2pow = s.k2PowSeconds ?? null;
  const fact = (label, value) => el('div', { class: 'fact' }, el('dt', {}, label), el('dd', {}, value ?? '–'));
  const button = (intent, label, cls = '') => el('button', { class: `btn ${cls}`, type: 'button', onclick: () => act(intent, name) }, label);

  root.replaceChildren(
    el('section', { class: 'card' },
      el('div', { class: 'card-head' },
        el('h2', {}, el('a', { href: '#/', class: 'muted' }, 'Overview'), ' / ', s.name, ' ', el('span', { class: `chip state-${s.dagState}`, dataset: { state: s.dagState } }, stateText(s, now))),
        el('div', { class: 'actions' }, button('prove-now', 'Prove now'), button('retry', 'Retry'), button('stop', 'Stop when safe'),
          button('skip-epoch', 'Skip this epoch'), button('force-stop', 'Force stop', 'danger'))),
      s.dagState === 'reading' ? el('div', { class: 'meter big' }, el('div', { class: 'meter-fill', style: `width:${(s.readFraction * 100).toFixed(1)}%` })) : null,
      el('dl', { class: 'facts' },
        fact('Disk', s.disk),
        fact('Node state', s.nodeState || 'unknown'),
        fact('Phase', s.phase),
        fact('Pass (nonces)', s.nonceStart !== null && s.nonceStart !== undefined ? `${s.nonceStart}–${s.nonceEnd}` : null),
        fact('Read', s.position !== null && s.position !== undefined ? `${bytes(s.position)} of ${bytes(s.dataBytes)} (${pct(s.readFraction)})` : `${bytes(s.dataBytes)} to read`),
        fact('Read speed', rate ? `${(rate / 1048576).toFixed(1)} MiB/s` : null),
        fact('k2pow time', k2pow !== null ? duration(k2pow * 1000) : null),
        fact('ETA', eta && s.dagState !== 'delivered' ? `${clock(eta)} (${relative(eta, now)})` : null),
        fact('Running since', s.runningSince ? `${clock(s.runningSince)} (${duration(now - new Date(s.runningSince).getTime())})` : null),
        fact('Units', String(s.numUnits)),
        fact('Operator', s.operatorAddress),
        fact('After', s.after.length ? s.after.join(', ') : null),
        fact('Last delivered', s.lastDeliveredEpoch !== null && s.lastDeliveredEpoch !== undefined ? `epoch ${s.lastDeliveredEpoch}${s.lastDeliveryLate ? ' (late)' : ''}` : null),
        fact('Last proof took', s.lastProofSeconds ? duration(s.lastProofSeconds * 1000) : null),
        fact('Restarts this gap', String(s.restarts ?? 0)),
        fact('Instance', s.instanceId)),
      s.problem ? el('div', { class: 'problem', id: 'problem', dataset: { kind: s.problem.kind } },
        el('b', {}, s.problem.summary),
        el('p', {}, s.problem.hint),
        el('code', {}, s.problem.logLine)) : null,
      s.decisionCode ? el('p', { class: 'decision' }, el('b', {}, s.decisionCode), ' ', s.decisionMessage || '') : null),
    el('section', { class: 'card' }, el('div', { class: 'card-head' }, el('h2', {}, 'Log'), el('span', { class: 'muted' }, s.logPath || 'no log yet')),
      el('pre', { class: 'log', id: 'log' }, extras.log ?? 'loading…')),
    el('section', { class: 'card' }, el('h2', {}, 'Runs'), runsTable(extras.runs)),
    el('section', { class: 'card' }, el('h2', {}, 'History'), historyTable(view, extras.history || [])),
  );
  const log = document.getElementById('log');
  if (log) log.scrollTop = log.scrollHeight;
}

/** The run journal: each run with its phases (k2pow, read per pass) and how it ended. */
function runsTable(journal) {
  if (!journal) return el('p', { class: 'muted' }, 'loading…');
  if (!journal.runs.length) return el('p', { class: 'muted' }, 'No runs yet.');
  const phase = (p) => `${p.kind} ${duration(p.seconds * 1000)}${p.end ? '' : ' so far'}${p.kind === 'read' && p.rate ? ` (${bytes(p.bytes)} at ${(p.rate / 1048576).toFixed(1)} MiB/s)` : ''}`;
  return el('table', { class: 'runs' },
    el('thead', {}, el('tr', {}, el('th', {}, 'started'), el('th', {}, 'phases'), el('th', {}, 'outcome'))),
    el('tbody', {}, journal.runs.map((r) => el('tr', { dataset: { run: r.instanceId } },
      el('td', { class: 'nowrap' }, clock(r.startedAt)),
      el('td', {}, r.phases.map(phase).join(' · ') || '–'),
      el('td', {}, r.outcome ?? (r.deliveredAt ? 'delivered, running' : 'running'))))));
}

/** Loads the log tail, this service's run journal and history; the caller re-renders when they arrive. */
export async function loadServiceExtras(name) {
  const service = encodeURIComponent(name);
  const [log, runs, history] = await Promise.all([
    fetch(`/api/v1/services/${service}/log?lines=200`).then(async (r) => r.ok ? (await r.json()).lines.join('\n') : (await r.json()).error),
    fetch(`/api/v1/services/${service}/runs?limit=20`).then((r) => (r.ok ? r.json() : null)),
    fetch(`/api/v1/history?service=${service}&limit=300`).then((r) => (r.ok ? r.json() : [])),
  ]);
  return { log, runs, history };
}
