// The next cycle gap's forecast (GET /api/v1/forecast, the daemon's learned estimates): per service its predicted
// end and a bar against the window, marked when it lands after the window or past the proof deadline. It changes
// only when the daemon learns something, so it is polled rather than streamed.

import { el, clock, duration } from './format.js';
import { store } from './live.js';

export async function loadForecast() {
  try {
    const r = await fetch('/api/v1/forecast');
    store.forecast = r.ok ? await r.json() : null;
  } catch { /* keep the last one; the next poll retries */ }
  return store.forecast;
}

export function forecastCard(forecast) {
  const head = (...rest) => el('div', { class: 'card-head' }, el('h2', {}, 'Next cycle gap forecast'), ...rest);
  if (!forecast) return el('section', { class: 'card wide gap-forecast' }, head(), el('p', { class: 'muted' }, 'No forecast yet.'));
  const window = forecast.windowSeconds;
  const deadline = forecast.deadlineSeconds;
  const span = Math.max(window, forecast.makespanSeconds) || 1;
  const misses = forecast.rows.filter((r) => r.pastDeadline).length;
  const gap = forecast.gap;
  return el('section', { class: 'card wide gap-forecast' },
    head(el('span', { class: 'muted' },
      `${gap ? `publish epoch ${gap.publishEpoch} · opens ${clock(gap.opens)} · ` : ''}window ${duration(window * 1000)} · all in after ${duration(forecast.makespanSeconds * 1000)}`
      + ` (${Math.round((forecast.makespanSeconds / window) * 100)}% of the window)${misses ? ` · ${misses} past the deadline` : ''}`)),
    el('table', { class: 'forecast-table' },
      el('thead', {}, el('tr', {}, el('th', {}, 'service'), el('th', {}, 'disk'), el('th', {}, 'predicted end'), el('th', { class: 'forecast-bar-col' }, 'k2pow · read, against the window'), el('th', {}, 'from'))),
      el('tbody', {}, forecast.rows.map((r) => el('tr', { class: r.pastDeadline ? 'miss' : r.pastWindow ? 'late' : '', dataset: { service: r.service } },
        el('td', {}, el('a', { href: `#/service/${encodeURIComponent(r.service)}` }, r.service)),
        el('td', {}, r.disk),
        el('td', { class: 'nowrap forecast-end' }, `+${duration(r.endSeconds * 1000)}`, r.endAt ? el('span', { class: 'muted' }, ` ${clock(r.endAt)}`) : null,
          r.pastDeadline ? el('span', { class: 'chip state-failed' }, 'past deadline') : r.pastWindow ? el('span', { class: 'chip state-k2pow' }, 'after window') : null),
        el('td', { class: 'forecast-bar-col' }, bar(r, span, window, deadline)),
        el('td', { class: 'muted' }, r.source))))),
    forecast.warnings.length ? el('ul', { class: 'forecast-warnings' }, forecast.warnings.map((w) => el('li', {}, w))) : null);
}

function bar(r, span, window, deadline) {
  const pct = (s) => `${Math.min(100, (s / span) * 100).toFixed(2)}%`;
  return el('div', { class: 'forecast-track' },
    el('i', { class: 'forecast-part phase-k2pow', style: `left:${pct(r.k2PowStartSeconds)};width:${pct(r.readStartSeconds - r.k2PowStartSeconds)}` }),
    el('i', { class: 'forecast-part phase-reading', style: `left:${pct(r.readStartSeconds)};width:${pct(r.endSeconds - r.readStartSeconds)}` }),
    el('i', { class: 'forecast-mark window', style: `left:${pct(window)}`, title: 'end of the window' }),
    deadline !== null && deadline !== undefined && deadline <= span ? el('i', { class: 'forecast-mark deadline', style: `left:${pct(deadline)}`, title: 'proof deadline' }) : null);
}
