// The epoch's timeline, drawn from what the daemon serves: each service's runs and their phases (the run journal,
// GET /api/v1/services/{name}/runs; an open phase reaches "now"), the rest projected by the planner's forecast as
// hatched bars (the view's estimated finish, else the row of GET /api/v1/forecast), and the cycle gap window,
// proof deadline and "now" as guides.

import { svg, el, clock, duration, bytes } from './format.js';
import { store, wantRuns } from './live.js';

const LABEL_W = 150, ROW_H = 24, AXIS_H = 26, RIGHT = 16;
const PHASE_CLASS = { k2pow: 'phase-k2pow', read: 'phase-reading' };

export function renderGantt(view, now, width) {
  const gap = view.network?.cycleGap;
  const rows = orderedServices(view);
  const phases = Object.fromEntries(rows.map((s) => [s.name, servedPhases(s.name)]));
  const projected = Object.fromEntries(rows.map((s) => [s.name, projection(s, now)]).filter(([, p]) => p));

  let t0 = gap ? new Date(gap.opens).getTime() : now - 10 * 60_000;
  let t1 = gap ? new Date(gap.proofDeadline).getTime() : now + 10 * 60_000;
  for (const s of rows) {
    for (const p of phases[s.name]) if ((p.end ?? now) >= t0 - 3600_000) t0 = Math.min(t0, p.start);
    if (projected[s.name]) t1 = Math.max(t1, projected[s.name].end);
  }
  t1 = Math.max(t1, now);
  const span = Math.max(1, t1 - t0) * 1.04;
  const plotW = Math.max(200, width - LABEL_W - RIGHT);
  const x = (t) => LABEL_W + ((t - t0) / span) * plotW;
  const height = AXIS_H + rows.length * ROW_H + 8;
  const root = svg('svg', { class: 'gantt', viewBox: `0 0 ${width} ${height}`, width, height, role: 'img', 'aria-label': 'epoch timeline' });
  root.append(svg('defs', {},
    svg('pattern', { id: 'hatch', width: 6, height: 6, patternUnits: 'userSpaceOnUse', patternTransform: 'rotate(45)' },
      svg('rect', { width: 6, height: 6, class: 'hatch-bg' }), svg('line', { x1: 0, y1: 0, x2: 0, y2: 6, class: 'hatch-line' }))));

  if (gap) {
    const a = x(new Date(gap.opens).getTime()), b = x(new Date(gap.closes).getTime());
    root.append(svg('rect', { class: 'gap-window', x: a, y: AXIS_H - 4, width: Math.max(0, b - a), height: height - AXIS_H + 4 },
      svg('title', {}, `cycle gap ${clock(gap.opens)} – ${clock(gap.closes)}`)));
  }

  // Axis: about six ticks at round-ish times.
  const step = niceStep(span / 6);
  for (let t = Math.ceil(t0 / step) * step; t <= t0 + span; t += step) {
    root.append(svg('line', { class: 'tick', x1: x(t), x2: x(t), y1: AXIS_H - 6, y2: height }));
    root.append(svg('text', { class: 'tick-label', x: x(t), y: 14, 'text-anchor': 'middle' }, clock(t)));
  }

  rows.forEach((s, i) => {
    const y = AXIS_H + i * ROW_H;
    root.append(svg('text', { class: 'row-label', x: LABEL_W - 10, y: y + 16, 'text-anchor': 'end' }, s.name));
    for (const p of phases[s.name]) {
      const end = p.end ?? now;
      if (end < t0) continue;
      root.append(svg('rect', {
        class: `bar ${PHASE_CLASS[p.kind]}`, x: x(p.start), y: y + 4, width: Math.max(2, x(end) - x(p.start)), height: ROW_H - 8, rx: 3,
        'data-service': s.name, 'data-run': p.run, 'data-kind': p.kind, 'data-start': p.start,
      }, svg('title', {}, phaseTitle(s.name, p, end))));
    }
    const f = projected[s.name];
    if (f && f.end > now) {
      const start = Math.max(now, f.start);
      root.append(svg('rect', { class: 'bar forecast', x: x(start), y: y + 4, width: Math.max(2, x(f.end) - x(start)), height: ROW_H - 8, rx: 3, 'data-service': s.name, 'data-source': f.source, 'data-end': f.end },
        svg('title', {}, `${s.name} projected done ${clock(f.end)} (${f.source === 'estimated-finish' ? "the planner's estimate" : 'the forecast'})`)));
    }
  });

  const guide = (t, cls, label) => {
    root.append(svg('line', { class: `guide ${cls}`, x1: x(t), x2: x(t), y1: AXIS_H - 6, y2: height }));
    // Labels near the right edge go to the left of their line so they are not cut off.
    const right = x(t) > width - 110;
    root.append(svg('text', { class: `guide-label ${cls}`, x: right ? x(t) - 4 : x(t) + 4, y: AXIS_H + 2, 'text-anchor': right ? 'end' : 'start' }, label));
  };
  if (gap) guide(new Date(gap.proofDeadline).getTime(), 'deadline', 'proof deadline');
  guide(now, 'now', 'now');
  return el('div', { class: 'gantt-wrap' }, root, legend());
}

/** The service's served phases, oldest first, with times in ms. */
function servedPhases(name) {
  wantRuns(name);
  const runs = store.runs[name]?.runs || [];
  const phases = [];
  for (const run of [...runs].reverse()) {
    for (const p of run.phases) {
      phases.push({ run: run.instanceId, kind: p.kind, start: new Date(p.start).getTime(), end: p.end ? new Date(p.end).getTime() : null, bytes: p.bytes, rate: p.rate, deliveredAt: run.deliveredAt });
    }
  }
  return phases;
}

function phaseTitle(name, p, end) {
  const rate = p.kind === 'read' && p.rate ? `, ${bytes(p.bytes)} at ${(p.rate / 1048576).toFixed(1)} MiB/s` : '';
  return `${name} ${p.kind}: ${clock(p.start)} – ${p.end ? clock(p.end) : 'now'} (${duration(end - p.start)}${rate})`;
}

/** What the planner projects for a proof still to come: the view's estimated finish, else the forecast's row. */
function projection(s, now) {
  const row = store.forecast?.rows?.find((r) => r.service === s.name);
  const rowStart = row?.k2PowStartAt ? new Date(row.k2PowStartAt).getTime() : null;
  if (s.estimatedFinish) {
    const start = s.dagState === 'waiting' && rowStart ? rowStart : now;
    return { start, end: new Date(s.estimatedFinish).getTime(), source: 'estimated-finish' };
  }
  // The forecast's rows are times from the gap's opening: they project only what is still ahead of now.
  if (row?.endAt && new Date(row.endAt).getTime() > now && (s.dagState === 'waiting' || s.dagState === 'idle')) {
    return { start: rowStart ?? now, end: new Date(row.endAt).getTime(), source: 'forecast' };
  }
  return null;
}

function legend() {
  const item = (cls, text) => el('span', { class: 'legend-item' }, el('i', { class: `swatch ${cls}` }), text);
  return el('div', { class: 'legend' }, item('phase-k2pow', 'k2pow'), item('phase-reading', 'reading'),
    item('forecast', "projected (the planner's forecast)"), item('gap-window', 'cycle gap'));
}

function orderedServices(view) {
  const byName = Object.fromEntries(view.services.map((s) => [s.name, s]));
  const ordered = [];
  for (const d of view.disks) for (const n of d.services) if (byName[n]) ordered.push(byName[n]);
  for (const s of view.services) if (!ordered.includes(s)) ordered.push(s);
  return ordered;
}

function niceStep(ms) {
  const steps = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400].map((s) => s * 1000);
  return steps.find((s) => s >= ms) || 86400_000 * Math.ceil(ms / 86400_000);
}
