// The page's memory: the latest FleetView from the event stream, open alerts, and what the server does not keep
// for us — each service's phase intervals (for the timeline) and successive read positions (for MiB/s).

const ACTIVE_PHASES = new Set(['starting', 'k2pow', 'reading', 'done-proving']);
const STORAGE_KEY = 'postfleet.intervals.v1';
const MAX_INTERVALS_PER_SERVICE = 60;

export const store = {
  view: null,
  alerts: [],
  /** The last GET /api/v1/forecast answer (polled, not streamed). */
  forecast: null,
  connected: false,
  /** name -> [{phase, start, end}] in ms since epoch; end null while open. */
  intervals: loadIntervals(),
  /** name -> [{at, position}] (last few samples). */
  samples: {},
  listeners: new Set(),
};

export function onChange(listener) {
  store.listeners.add(listener);
  return () => store.listeners.delete(listener);
}

function emit(kind) {
  for (const listener of store.listeners) listener(kind);
}

export function connect() {
  const source = new EventSource('/api/v1/events');
  source.addEventListener('open', () => { store.connected = true; emit('connection'); });
  source.addEventListener('error', () => { store.connected = false; emit('connection'); });
  source.addEventListener('fleet', (e) => acceptView(JSON.parse(e.data)));
  source.addEventListener('alerts', (e) => { store.alerts = JSON.parse(e.data).open || []; emit('alerts'); });
  return source;
}

export function acceptView(view) {
  const at = new Date(view.at).getTime();
  for (const s of view.services) {
    trackPhase(s, at);
    trackPosition(s, at);
  }
  store.view = view;
  saveIntervals();
  emit('fleet');
}

function trackPhase(s, at) {
  const list = store.intervals[s.name] || (store.intervals[s.name] = []);
  const open = list.length && list[list.length - 1].end === null ? list[list.length - 1] : null;
  const phase = ACTIVE_PHASES.has(s.phase) ? s.phase : null;
  if (open && open.phase === phase) return;
  if (open) open.end = at;
  if (phase) {
    // The first time we see a running service, its start is when it started, not when we connected.
    const since = !open && s.runningSince ? new Date(s.runningSince).getTime() : at;
    list.push({ phase, start: Math.min(since, at), end: null });
    if (list.length > MAX_INTERVALS_PER_SERVICE) list.splice(0, list.length - MAX_INTERVALS_PER_SERVICE);
  }
}

function trackPosition(s, at) {
  const list = store.samples[s.name] || (store.samples[s.name] = []);
  if (s.phase !== 'reading' || s.position === null || s.position === undefined) { list.length = 0; return; }
  const last = list[list.length - 1];
  if (last && (last.at === at || s.position < last.position)) {
    if (s.position < last.position) list.length = 0; // a new pass started over
    else return;
  }
  list.push({ at, position: s.position });
  if (list.length > 6) list.shift();
}

/** Bytes per second over the last samples (null until two samples exist). */
export function readRate(name) {
  const list = store.samples[name] || [];
  if (list.length < 2) return null;
  const first = list[0], last = list[list.length - 1];
  const seconds = (last.at - first.at) / 1000;
  return seconds > 0 ? (last.position - first.position) / seconds : null;
}

/** Seconds the last (or current) k2pow phase took, from the view or our own intervals. */
export function k2powSeconds(s, now) {
  if (s.k2PowSeconds !== null && s.k2PowSeconds !== undefined) return s.k2PowSeconds;
  const list = store.intervals[s.name] || [];
  for (let i = list.length - 1; i >= 0; i--) {
    if (list[i].phase === 'k2pow') return ((list[i].end ?? now) - list[i].start) / 1000;
  }
  return null;
}

function loadIntervals() {
  try { return JSON.parse(localStorage.getItem(STORAGE_KEY)) || {}; } catch { return {}; }
}

function saveIntervals() {
  try { localStorage.setItem(STORAGE_KEY, JSON.stringify(store.intervals)); } catch { /* private mode: memory only */ }
}
