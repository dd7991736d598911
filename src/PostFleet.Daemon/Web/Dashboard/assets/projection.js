// A simple forecast of the rest of the cycle gap: each unfinished service's k2pow (seconds per unit, learned
// from what we saw) then a read of its data at the rate we measured, starting when everything it waits for
// (DAG edges) is done. It ignores the k2pow cap; the loop's own estimate wins where it gives one.

import { store, readRate } from './store.js';

const FALLBACK_K2POW_PER_UNIT = 5; // seconds
const FALLBACK_READ_RATE = 150 * 1024 * 1024; // bytes/s

export function project(view, now) {
  const rates = learnedRates(view, now);
  const incoming = {};
  for (const e of view.edges) (incoming[e.to] ||= []).push(e.from);
  const ends = {};
  const result = {};
  const byName = Object.fromEntries(view.services.map((s) => [s.name, s]));

  const visit = (name, depth = 0) => {
    if (name in ends || depth > 64) return ends[name] ?? now;
    const s = byName[name];
    if (!s) return now;
    const deps = (incoming[name] || []).map((d) => visit(d, depth + 1));
    const readyAt = Math.max(now, ...deps);
    const k2pow = rates.k2powPerUnit * s.numUnits * 1000;
    const rate = readRate(name) || rates.readRate;
    const readMs = (s.dataBytes / rate) * 1000;
    let start = null, end;
    if (s.estimatedFinish) {
      end = new Date(s.estimatedFinish).getTime();
    } else if (s.dagState === 'reading') {
      end = now + ((s.dataBytes - (s.position || 0)) / rate) * 1000;
    } else if (s.dagState === 'k2pow') {
      const started = s.runningSince ? new Date(s.runningSince).getTime() : now;
      end = Math.max(now, started + k2pow) + readMs;
    } else if (s.dagState === 'waiting') {
      start = readyAt;
      end = readyAt + k2pow + readMs;
    } else {
      end = now; // done, delivered, failed, idle: nothing ahead
    }
    ends[name] = end;
    if (s.dagState === 'waiting' || s.dagState === 'k2pow' || s.dagState === 'reading') {
      result[name] = { start: start ?? now, end };
    }
    return end;
  };

  for (const s of view.services) visit(s.name);
  return result;
}

function learnedRates(view, now) {
  const perUnit = [];
  const rates = [];
  for (const s of view.services) {
    for (const iv of store.intervals[s.name] || []) {
      if (iv.phase === 'k2pow' && iv.end) perUnit.push((iv.end - iv.start) / 1000 / Math.max(1, s.numUnits));
    }
    const r = readRate(s.name);
    if (r) rates.push(r);
  }
  const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
  return {
    k2powPerUnit: perUnit.length ? mean(perUnit) : FALLBACK_K2POW_PER_UNIT,
    readRate: rates.length ? mean(rates) : FALLBACK_READ_RATE,
    now,
  };
}
