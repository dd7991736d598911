// The epoch's timeline: what each service did when (phase intervals this page recorded from the stream), the
// projected rest as hatched bars, and the cycle gap window, proof deadline and "now" as guides.

import { svg, el, clock, duration } from './format.js';
import { store } from './store.js';
import { project } from './projection.js';

const LABEL_W = 150, ROW_H = 24, AXIS_H = 26, RIGHT = 16;

export function renderGantt(view, now, width) {
  const gap = view.network?.cycleGap;
  const forecast = project(view, now);
  const rows = orderedServices(view);

  let t0 = gap ? new Date(gap.opens).getTime() : now - 10 * 60_000;
  let t1 = gap ? new Date(gap.proofDeadline).getTime() : now + 10 * 60_000;
  for (const s of rows) {
    for (const iv of store.intervals[s.name] || []) if ((iv.end ?? now) >= t0 - 3600_000) t0 = Math.min(t0, iv.start);
    if (forecast[s.name]) t1 = Math.max(t1, forecast[s.name].end);
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
    for (const iv of store.intervals[s.name] || []) {
      const end = iv.end ?? now;
      if (end < t0) continue;
      root.append(svg('rect', { class: `bar phase-${iv.phase}`, x: x(iv.start), y: y + 4, width: Math.max(2, x(end) - x(iv.start)), height: ROW_H - 8, rx: 3 },
        svg('title', {}, `${s.name} ${iv.phase}: ${clock(iv.start)} – ${iv.end ? clock(iv.end) : 'now'} (${duration(end - iv.start)})`)));
    }
    const f = forecast[s.name];
    if (f && f.end > now) {
      const start = Math.max(now, f.start);
      root.append(svg('rect', { class: 'bar forecast', x: x(start), y: y + 4, width: Math.max(2, x(f.end) - x(start)), height: ROW_H - 8, rx: 3 },
        svg('title', {}, `${s.name} projected done ${clock(f.end)}`)));
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

function legend() {
  const item = (cls, text) => el('span', { class: 'legend-item' }, el('i', { class: `swatch ${cls}` }), text);
  return el('div', { class: 'legend' }, item('phase-starting', 'starting'), item('phase-k2pow', 'k2pow'), item('phase-reading', 'reading'),
    item('phase-done-proving', 'done, node fetching'), item('forecast', 'projected'), item('gap-window', 'cycle gap'));
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
