// The proving DAG of the current epoch, drawn like the demo's dagu graph but derived from the fleet: one lane
// per disk, one node per service, rows by dependency depth, edges from disk order (solid) and `after` (dashed).
// A fleet of several nodes gets one lane per node and disk, grouped by node, then disk.

import { svg, el, bytes, pct, duration } from './format.js';

const NODE_W = 196, NODE_H = 66, LANE_W = 224, ROW_H = 92, HEAD_H = 34, PAD = 14;

export function renderDag(view, now, onOpen) {
  const lanes = laneOrder(view);
  const edges = view.edges.length ? view.edges : deriveEdges(view);
  const depth = depths(view, edges);
  const rows = Math.max(1, ...Object.values(depth).map((d) => d + 1));
  const width = PAD * 2 + lanes.length * LANE_W;
  const height = HEAD_H + rows * ROW_H + PAD;
  const pos = {};
  for (const s of view.services) {
    const lane = lanes.indexOf(laneOf(view, s));
    pos[s.name] = { x: PAD + lane * LANE_W + (LANE_W - NODE_W) / 2, y: HEAD_H + depth[s.name] * ROW_H + 10 };
  }

  const root = svg('svg', { class: 'dag', viewBox: `0 0 ${width} ${height}`, width, height, role: 'img', 'aria-label': 'proving DAG' });
  root.append(svg('defs', {},
    svg('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' },
      svg('path', { d: 'M0,0 L10,5 L0,10 z', class: 'arrowhead' }))));

  lanes.forEach((disk, i) => {
    const x = PAD + i * LANE_W + 4;
    root.append(svg('rect', { class: 'lane', x, y: 4, width: LANE_W - 8, height: height - 8, rx: 10 }));
    root.append(svg('text', { class: 'lane-title', x: x + (LANE_W - 8) / 2, y: 24, 'text-anchor': 'middle', 'data-lane': disk.replace('\u0000', ' · ') }, disk.replace('\u0000', ' · ')));
  });

  for (const e of edges) {
    const a = pos[e.from], b = pos[e.to];
    if (!a || !b) continue;
    const x1 = a.x + NODE_W / 2, y1 = a.y + NODE_H, x2 = b.x + NODE_W / 2, y2 = b.y - 2;
    const bend = Math.max(24, (y2 - y1) / 2);
    root.append(svg('path', {
      class: `edge edge-${e.kind}`, d: `M${x1},${y1} C${x1},${y1 + bend} ${x2},${y2 - bend} ${x2},${y2}`, 'marker-end': 'url(#arrow)',
    }, svg('title', {}, `${e.from} → ${e.to} (${e.kind === 'after' ? 'explicit after' : 'disk order'})`)));
  }

  for (const s of view.services) root.append(node(s, pos[s.name], now, onOpen));
  return el('div', { class: 'dag-scroll' }, root);
}

function node(s, p, now, onOpen) {
  const g = svg('g', {
    class: `node state-${s.dagState}`, transform: `translate(${p.x},${p.y})`, tabindex: 0, role: 'link',
    dataset: { service: s.name, state: s.dagState },
    onclick: () => onOpen(s.name), onkeydown: (e) => { if (e.key === 'Enter') onOpen(s.name); },
  });
  const why = s.problem ? s.problem.summary : s.decisionMessage;
  g.append(svg('title', {}, `${s.name}: ${s.dagState} (${s.phase})${why ? ' — ' + why : ''}`));
  g.append(svg('rect', { class: 'node-box', width: NODE_W, height: NODE_H, rx: 8 }));
  g.append(svg('text', { class: 'node-name', x: 12, y: 22 }, s.name));
  g.append(svg('text', { class: 'node-meta', x: 12, y: 40 }, `${s.numUnits} units · ${bytes(s.dataBytes)}`));
  g.append(svg('text', { class: `node-state${s.problem ? ' node-problem' : ''}`, x: 12, y: 57 }, s.problem ? problemText(s.problem) : stateText(s, now)));
  g.append(svg('circle', { class: 'node-dot', cx: NODE_W - 14, cy: 16, r: 5 }));
  if (s.dagState === 'reading') {
    g.append(svg('rect', { class: 'node-bar-bg', x: 0, y: NODE_H - 5, width: NODE_W, height: 5, rx: 2 }));
    g.append(svg('rect', { class: 'node-bar', x: 0, y: NODE_H - 5, width: Math.max(3, NODE_W * (s.readFraction || 0)), height: 5, rx: 2 }));
  }
  return g;
}

/** The few words a DAG node has room for; the service page has the whole story. */
export function problemText(p) {
  switch (p.kind) {
    case 'cannot-connect': return '⚠ cannot connect';
    case 'register-refused': return '⚠ node refused it';
    default: return '⚠ exited';
  }
}

export function stateText(s, now) {
  const since = s.runningSince ? duration(now - new Date(s.runningSince).getTime()) : null;
  switch (s.dagState) {
    case 'reading': return `reading ${pct(s.readFraction)}`;
    case 'k2pow': return since ? `k2pow · ${since}` : 'k2pow';
    case 'delivered': return s.lastDeliveredEpoch !== null && s.lastDeliveredEpoch !== undefined ? `delivered · epoch ${s.lastDeliveredEpoch}` : 'delivered';
    case 'done': return 'done, node fetching';
    case 'failed': return 'failed';
    case 'idle': return 'idle (not needed)';
    default: return s.phase === 'starting' ? 'starting…' : 'waiting';
  }
}

function severalNodes(view) {
  return (view.nodes || []).length > 1;
}

function laneOf(view, s) {
  return severalNodes(view) ? `${s.node}\u0000${s.disk}` : s.disk;
}

function laneOrder(view) {
  if (severalNodes(view)) {
    // By node (in config order), then disk (in config order): a shared disk shows once per node using it.
    const disks = view.disks.map((d) => d.name);
    const used = new Set(view.services.map((s) => laneOf(view, s)));
    return view.nodes.flatMap((n) => disks.map((d) => `${n.name}\u0000${d}`)).filter((l) => used.has(l));
  }
  const lanes = view.disks.map((d) => d.name);
  for (const s of view.services) if (!lanes.includes(s.disk)) lanes.push(s.disk);
  return lanes;
}

/** When the loop gives no edges: disk order within each disk, plus explicit `after`. */
export function deriveEdges(view) {
  const edges = [];
  for (const d of view.disks) {
    for (let i = 1; i < d.services.length; i++) edges.push({ from: d.services[i - 1], to: d.services[i], kind: 'disk-order' });
  }
  for (const s of view.services) for (const a of s.after || []) edges.push({ from: a, to: s.name, kind: 'after' });
  return edges;
}

/** Longest path from a root, so every edge points downwards. */
function depths(view, edges) {
  const incoming = {};
  for (const e of edges) (incoming[e.to] ||= []).push(e.from);
  const memo = {};
  const visiting = new Set();
  const depthOf = (name) => {
    if (name in memo) return memo[name];
    if (visiting.has(name)) return 0; // a cycle would be a config error; draw it anyway
    visiting.add(name);
    const d = Math.max(-1, ...(incoming[name] || []).map(depthOf)) + 1;
    visiting.delete(name);
    return (memo[name] = d);
  };
  for (const s of view.services) depthOf(s.name);
  return memo;
}
