// The overview of a large fleet (more than LARGE_FLEET identities): the at-risk list first, counts by state, filters
// and search, then one compact row per disk grouped by host (the one in progress, its queue, the ETA against the
// deadline), and the proving DAG and timeline of the selected host or disk only. The rows and the DAG's lanes are
// virtualised: only what is in view is in the DOM, so 1,000 identities on 200 disks render as fast as 20 rows.
// The layout is built once and kept, so the search box keeps its focus and the lists their scroll across passes.

import { el, clock, duration, pct } from './format.js';
import { store } from './live.js';
import { renderDag } from './dag.js';
import { renderGantt } from './gantt.js';

export const LARGE_FLEET = 40;

const NO_HOST = 'this machine';
const ROW_H = 30; // px; .fm-row's height in app.css
const LANE_W = 224; // px; one disk lane in dag.js
const STATES = ['waiting', 'k2pow', 'reading', 'done', 'delivered', 'failed', 'idle'];
const IN_PROGRESS = new Set(['k2pow', 'reading', 'done']);
const AT_RISK_SHOWN = 50;

const ui = { filter: { state: '', host: '', disk: '', atRisk: false, q: '' }, selected: null, layout: null, last: null };

export const isLarge = (view) => view.services.length > LARGE_FLEET;

const deadlineOf = (view) => {
  const d = view.network?.proofsDue?.proofDeadline ?? view.network?.cycleGap?.proofDeadline;
  return d ? new Date(d).getTime() : null;
};

/** Proofs still to come whose forecast finish is past the deadline, latest first. */
export function atRisk(view) {
  const deadline = deadlineOf(view);
  const pastInForecast = new Set((store.forecast?.rows || []).filter((r) => r.pastDeadline).map((r) => r.service));
  return view.services
    .filter((s) => s.dagState !== 'delivered' && s.dagState !== 'idle')
    .map((s) => ({ s, late: s.estimatedFinish && deadline ? new Date(s.estimatedFinish).getTime() - deadline : null }))
    .filter(({ s, late }) => (late !== null && late > 0) || pastInForecast.has(s.name))
    .sort((a, b) => (b.late ?? 0) - (a.late ?? 0));
}

/** Hosts in config order, each with its disks: {host, disks: [{name, host, services}]}. */
function groups(view) {
  const byName = new Map(view.services.map((s) => [s.name, s]));
  const hosts = new Map();
  for (const d of view.disks) {
    const host = d.host || NO_HOST;
    if (!hosts.has(host)) hosts.set(host, []);
    hosts.get(host).push({ name: d.name, host, services: d.services.map((n) => byName.get(n)).filter(Boolean) });
  }
  return [...hosts].map(([host, disks]) => ({ host, disks }));
}

function summarise(disk, deadline, risky) {
  const pending = disk.services.filter((s) => s.dagState !== 'delivered' && s.dagState !== 'idle');
  const finishes = pending.map((s) => s.estimatedFinish && new Date(s.estimatedFinish).getTime()).filter(Boolean);
  const eta = finishes.length ? Math.max(...finishes) : null;
  return {
    ...disk,
    active: disk.services.filter((s) => IN_PROGRESS.has(s.dagState)),
    queue: disk.services.filter((s) => s.dagState === 'waiting'),
    delivered: disk.services.filter((s) => s.dagState === 'delivered').length,
    failed: disk.services.filter((s) => s.dagState === 'failed').length,
    eta,
    late: eta !== null && deadline !== null && eta > deadline,
    risky: disk.services.some((s) => risky.has(s.name)),
  };
}

function matches(d, f) {
  if (f.host && d.host !== f.host) return false;
  if (f.disk && d.name !== f.disk) return false;
  if (f.state && !d.services.some((s) => s.dagState === f.state)) return false;
  if (f.atRisk && !d.risky) return false;
  if (f.q) {
    const q = f.q.toLowerCase();
    if (!d.name.toLowerCase().includes(q) && !d.host.toLowerCase().includes(q) && !d.services.some((s) => s.name.toLowerCase().includes(q))) return false;
  }
  return true;
}

/** The flat list of rows the table scrolls through: a host header, then its matching disks. */
function rows(view, now, late) {
  const deadline = deadlineOf(view);
  const risky = new Set(late.map((r) => r.s.name));
  const list = [];
  for (const g of groups(view)) {
    const disks = g.disks.map((d) => summarise(d, deadline, risky)).filter((d) => matches(d, ui.filter));
    if (!disks.length) continue;
    list.push({ kind: 'host', host: g.host, disks: disks.length, identities: disks.reduce((n, d) => n + d.services.length, 0),
      running: disks.reduce((n, d) => n + d.active.length, 0), late: disks.filter((d) => d.late || d.risky).length });
    for (const d of disks) list.push({ kind: 'disk', ...d, deadline, now });
  }
  return list;
}

function select(kind, name) {
  ui.selected = ui.selected?.kind === kind && ui.selected.name === name ? null : { kind, name };
  ui.layout.detailKey = null;
  rerender();
}

function hostRow(r) {
  return el('div', { class: `fm-row fm-host${ui.selected?.kind === 'host' && ui.selected.name === r.host ? ' selected' : ''}`, 'data-host': r.host, onclick: () => select('host', r.host) },
    el('b', {}, r.host), el('span', { class: 'muted' }, `${r.disks} disks · ${r.identities} identities · ${r.running} in progress`),
    r.late ? el('span', { class: 'fm-late' }, `${r.late} disk(s) at risk`) : null);
}

function diskRow(r) {
  const active = r.active[0];
  const eta = r.eta === null ? (r.delivered === r.services.length ? 'all delivered' : '–')
    : r.deadline === null ? clock(r.eta)
      : r.late ? `${clock(r.eta)} · ${duration(r.eta - r.deadline)} late` : `${clock(r.eta)} · ${duration(r.deadline - r.eta)} spare`;
  return el('div', { class: `fm-row fm-disk${r.late || r.risky ? ' late' : ''}${ui.selected?.kind === 'disk' && ui.selected.name === r.name ? ' selected' : ''}`, 'data-disk': r.name, onclick: () => select('disk', r.name) },
    el('span', { class: 'fm-name' }, r.name),
    el('span', { class: 'fm-active' }, active
      ? [el('i', { class: `swatch state-${active.dagState}` }), ` ${active.name} ${active.dagState}${active.dagState === 'reading' ? ` ${pct(active.readFraction)}` : ''}`, r.active.length > 1 ? ` +${r.active.length - 1}` : '']
      : el('span', { class: 'muted' }, r.failed ? `${r.failed} failed` : 'none in progress')),
    el('span', { class: 'fm-queue', title: r.queue.map((s) => s.name).join(', ') }, r.queue.length ? `${r.queue.length} queued: ${r.queue.slice(0, 2).map((s) => s.name).join(', ')}${r.queue.length > 2 ? ', …' : ''}` : 'queue empty'),
    el('span', { class: 'fm-done' }, `${r.delivered}/${r.services.length} delivered`),
    el('span', { class: `fm-eta${r.late ? ' fm-late' : ''}` }, eta));
}

function build(open) {
  const f = ui.filter;
  const stateSel = el('select', { 'aria-label': 'state', onchange: (e) => { f.state = e.target.value; rerender(); } },
    el('option', { value: '' }, 'any state'), STATES.map((s) => el('option', { value: s }, s)));
  const hostSel = el('select', { 'aria-label': 'host', onchange: (e) => { f.host = e.target.value; f.disk = ''; rerender(); } });
  const diskSel = el('select', { 'aria-label': 'disk', onchange: (e) => { f.disk = e.target.value; rerender(); } });
  const risk = el('input', { type: 'checkbox', onchange: (e) => { f.atRisk = e.target.checked; rerender(); } });
  const search = el('input', { type: 'search', placeholder: 'search identity, disk or host', 'aria-label': 'search', oninput: (e) => { f.q = e.target.value.trim(); rerender(); } });
  const list = el('div', { class: 'fm-list', onscroll: () => requestAnimationFrame(drawWindow) });
  const spacer = el('div', { class: 'fm-spacer' });
  const windowEl = el('div', { class: 'fm-window' });
  spacer.append(windowEl);
  list.append(spacer);
  const lanes = el('div', { class: 'fm-lanes', onscroll: () => requestAnimationFrame(drawDetail) });
  const lanesSpacer = el('div', { class: 'fm-spacer' });
  lanes.append(lanesSpacer);
  const layout = {
    open, head: el('div', { class: 'fm-head' }), risk: el('section', { class: 'card wide fm-risk' }), counts: el('div', { class: 'fm-counts' }),
    stateSel, hostSel, diskSel, riskBox: risk, search, list, spacer, windowEl, lanes, lanesSpacer,
    detailTitle: el('h2', {}), gantt: el('div', { class: 'fm-gantt' }), rows: [],
  };
  layout.map = el('section', { class: 'card wide fm' },
    el('div', { class: 'card-head' }, el('h2', {}, 'Fleet by host and disk'), layout.counts),
    el('div', { class: 'fm-filters' }, stateSel, hostSel, diskSel, el('label', {}, risk, ' at risk only'), search),
    el('div', { class: 'fm-columns muted' }, el('span', {}, 'disk'), el('span', {}, 'in progress'), el('span', {}, 'queue'), el('span', {}, 'delivered'), el('span', {}, 'ETA against the deadline')),
    list);
  layout.detail = el('section', { class: 'card wide fm-detail' }, el('div', { class: 'card-head' }, layout.detailTitle), lanes, layout.gantt);
  layout.root = el('div', { class: 'fm-page' }, layout.head, layout.risk, layout.map, layout.detail);
  return layout;
}

function options(select, values, current, any) {
  const wanted = ['', ...values].join('\n');
  if (select.dataset.values !== wanted) {
    select.replaceChildren(el('option', { value: '' }, any), values.map((v) => el('option', { value: v }, v)));
    select.dataset.values = wanted;
  }
  select.value = current;
}

function drawCounts(view) {
  const counts = Object.fromEntries(STATES.map((s) => [s, 0]));
  for (const s of view.services) counts[s.dagState] = (counts[s.dagState] || 0) + 1;
  ui.layout.counts.replaceChildren(...STATES.filter((s) => counts[s]).map((s) => el('button', {
    type: 'button', class: `chip state-${s}${ui.filter.state === s ? ' active' : ''}`, 'data-state': s,
    onclick: () => { ui.filter.state = ui.filter.state === s ? '' : s; rerender(); },
  }, el('b', {}, String(counts[s])), ` ${s}`)));
}

function drawRisk(view, late) {
  const deadline = deadlineOf(view);
  const box = ui.layout.risk;
  box.classList.toggle('bad', late.length > 0);
  box.replaceChildren(
    el('h2', {}, late.length ? `At risk: ${late.length} proof(s) forecast past the deadline${deadline ? ` (${clock(deadline)})` : ''}` : 'No proof forecast past the deadline'),
    late.length ? el('ul', { class: 'fm-risk-list' }, late.slice(0, AT_RISK_SHOWN).map(({ s, late: ms }) => el('li', { 'data-service': s.name },
      el('a', { href: `#/service/${encodeURIComponent(s.name)}` }, s.name), ` on ${s.disk} · ${s.dagState}`,
      ms !== null ? el('span', { class: 'fm-late' }, ` · ${duration(ms)} late`) : ' · past the deadline in the forecast'))) : null,
    late.length > AT_RISK_SHOWN ? el('div', { class: 'muted' }, `and ${late.length - AT_RISK_SHOWN} more (filter "at risk only" below)`) : '');
}

/** Open alerts counted by kind, with the first few: at this size a line per alert would push everything down. */
export function alertsSummary(alerts) {
  if (!alerts.length) return el('section', { class: 'alerts none' }, el('span', { class: 'dot ok' }), 'No open alerts');
  const kinds = new Map();
  for (const a of alerts) kinds.set(a.kind, (kinds.get(a.kind) || 0) + 1);
  return el('section', { class: 'alerts' },
    el('h2', {}, `Open alerts (${alerts.length}): ${[...kinds].map(([k, n]) => `${n} ${k}`).join(' · ')}`),
    el('ul', {}, alerts.slice(0, 3).map((a) => el('li', { class: `sev-${a.severity}` },
      el('span', { class: 'alert-kind' }, a.kind), a.summary, el('span', { class: 'muted' }, ` · since ${clock(a.since)}`)))),
    alerts.length > 3 ? el('div', { class: 'muted' }, `and ${alerts.length - 3} more`) : '');
}

function drawWindow() {
  const l = ui.layout;
  const first = Math.max(0, Math.floor(l.list.scrollTop / ROW_H) - 5);
  const count = Math.ceil((l.list.clientHeight || 480) / ROW_H) + 10;
  l.windowEl.style.transform = `translateY(${first * ROW_H}px)`;
  l.windowEl.replaceChildren(...l.rows.slice(first, first + count).map((r) => (r.kind === 'host' ? hostRow(r) : diskRow(r))));
}

/** The selected host's or disk's services and the edges among them, as a view the DAG and the timeline draw. */
function subView(view, disks) {
  const names = new Set(disks.flatMap((d) => d.services));
  return {
    ...view,
    disks,
    services: view.services.filter((s) => names.has(s.name)),
    edges: view.edges.filter((e) => names.has(e.from) && names.has(e.to)),
  };
}

function drawDetail() {
  const l = ui.layout;
  const view = ui.last?.view;
  if (!view) return;
  const sel = ui.selected;
  const disks = !sel ? [] : view.disks.filter((d) => (sel.kind === 'disk' ? d.name === sel.name : (d.host || NO_HOST) === sel.name));
  l.detail.hidden = disks.length === 0;
  if (!disks.length) return;
  l.detailTitle.textContent = `${sel.kind === 'disk' ? 'Disk' : 'Host'} ${sel.name}: proving DAG and timeline (${disks.length} disk${disks.length > 1 ? 's' : ''})`;
  // Only the lanes in view: a host of fifty disks draws the five or six that fit, and the rest as you scroll.
  const visible = Math.max(1, Math.ceil((l.lanes.clientWidth || 1200) / LANE_W) + 1);
  const first = Math.min(Math.max(0, Math.floor(l.lanes.scrollLeft / LANE_W)), Math.max(0, disks.length - visible));
  const shown = disks.slice(first, first + visible);
  const sub = subView(view, shown);
  // Redrawn when what it shows changed, or once a second for the timeline's "now"; not on every other pass.
  const key = `${first}|${l.lanes.clientWidth}|${JSON.stringify(sub.services)}`;
  if (key === l.detailKey && ui.last.now - l.detailAt < 1000) return;
  l.detailKey = key;
  l.detailAt = ui.last.now;
  const dag = renderDag(sub, ui.last.now, l.open);
  dag.classList.add('fm-dag');
  dag.style.marginLeft = `${first * LANE_W}px`;
  l.lanesSpacer.style.width = `${disks.length * LANE_W + 28}px`;
  l.lanesSpacer.replaceChildren(dag);
  l.gantt.replaceChildren(renderGantt(sub, ui.last.now, Math.min(1400, Math.max(640, l.lanes.clientWidth || 1200))));
}

let rerender = () => {};

/** Renders the large-fleet overview into root; `head` are the sections above it (cards, alerts), rebuilt each time. */
export function renderFleetMap(root, view, now, open, head) {
  const started = performance.now();
  if (!ui.layout) ui.layout = build(open);
  const l = ui.layout;
  l.open = open;
  ui.last = { view, now };
  rerender = () => renderFleetMap(root, ui.last.view, Date.now(), l.open, head);
  if (root.firstChild !== l.root || root.childNodes.length !== 1) root.replaceChildren(l.root);
  l.head.replaceChildren(...head);

  const hosts = [...new Set(view.disks.map((d) => d.host || NO_HOST))];
  options(l.hostSel, hosts, ui.filter.host, 'any host');
  options(l.diskSel, view.disks.filter((d) => !ui.filter.host || (d.host || NO_HOST) === ui.filter.host).map((d) => d.name), ui.filter.disk, 'any disk');
  l.stateSel.value = ui.filter.state;
  l.riskBox.checked = ui.filter.atRisk;
  drawCounts(view);
  const late = atRisk(view);
  drawRisk(view, late);
  l.rows = rows(view, now, late);
  l.spacer.style.height = `${l.rows.length * ROW_H}px`;
  // A filtered list of a few rows takes only their height; a long one scrolls within 480 px.
  l.list.style.height = `${Math.min(480, Math.max(1, l.rows.length) * ROW_H + 2)}px`;
  drawWindow();
  drawDetail();
  performance.measure('pf-overview-render', { start: started });
  if (!performance.getEntriesByName('pf-first-paint').length) requestAnimationFrame(() => performance.mark('pf-first-paint'));
}
