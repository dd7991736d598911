// History: every epoch with its outcomes (deliveries, failures) and the decisions and actions behind them.

import { el, clock } from './format.js';

export function epochOf(view, at) {
  const n = view.network;
  if (!n) return null;
  const ms = new Date(at).getTime() - new Date(n.genesis).getTime();
  return Math.floor(ms / 1000 / n.layerSeconds / n.layersPerEpoch);
}

export function historyTable(view, entries) {
  if (!entries.length) return el('p', { class: 'muted' }, 'Nothing recorded yet.');
  const groups = new Map();
  for (const e of entries) {
    const epoch = epochOf(view, e.at);
    if (!groups.has(epoch)) groups.set(epoch, []);
    groups.get(epoch).push(e);
  }
  return el('div', { class: 'history' }, [...groups].map(([epoch, list]) => {
    const delivered = new Set(list.filter((e) => e.kind === 'delivery').map((e) => e.service));
    const failed = new Set(list.filter((e) => /fail/i.test(e.what) || /fail/i.test(e.kind)).map((e) => e.service));
    return el('details', { class: 'epoch', open: true },
      el('summary', {}, el('b', {}, epoch === null ? 'Unknown epoch' : `Epoch ${epoch}`), ' ',
        el('span', { class: 'chip state-delivered' }, `${delivered.size} delivered`), ' ',
        failed.size ? el('span', { class: 'chip state-failed' }, `${failed.size} failed`) : null, ' ',
        el('span', { class: 'muted' }, `${list.length} entries`)),
      el('table', {}, el('thead', {}, el('tr', {}, el('th', {}, 'time'), el('th', {}, 'service'), el('th', {}, 'kind'), el('th', {}, 'what'), el('th', {}, 'detail'))),
        el('tbody', {}, list.map((e) => el('tr', { class: `kind-${e.kind}` },
          el('td', { class: 'nowrap' }, clock(e.at)), el('td', {}, el('a', { href: `#/service/${encodeURIComponent(e.service)}` }, e.service)),
          el('td', {}, e.kind), el('td', {}, e.what), el('td', { class: 'detail' }, e.detail))))));
  }));
}

export function renderHistory(root, view, entries) {
  root.replaceChildren(el('section', { class: 'card' }, el('h2', {}, 'History'), historyTable(view, entries)));
}

export async function loadHistory() {
  const r = await fetch('/api/v1/history?limit=1000');
  return r.ok ? r.json() : [];
}
