// The page's state, all of it sent by the daemon: the latest FleetView (event stream), open alerts, the forecast
// (GET /api/v1/forecast) and each service's run journal (GET /api/v1/services/{name}/runs). The page learns
// nothing on its own and keeps nothing: a reload starts again from what the daemon serves.

const RUNS_PER_SERVICE = 5;

export const store = {
  view: null,
  alerts: [],
  /** The last GET /api/v1/forecast answer (polled, not streamed). */
  forecast: null,
  connected: false,
  /** name -> the service's RunsView (newest run first), as last served. */
  runs: {},
  listeners: new Set(),
};

// name -> what the journal last served reflects (run, phase, pass); a change means the journal has something new.
const journalFor = {};
const loading = new Set();

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
  store.view = view;
  emit('fleet');
  for (const s of view.services) {
    // An open phase grows on the page up to "now"; the journal is asked again only when a run or phase changes.
    const key = `${s.instanceId}|${s.phase}|${s.nonceStart}|${s.dagState}|${s.lastDeliveredEpoch}`;
    if (journalFor[s.name] !== key) loadRuns(s.name, key);
  }
}

async function loadRuns(name, key) {
  if (loading.has(name)) return;
  loading.add(name);
  try {
    const r = await fetch(`/api/v1/services/${encodeURIComponent(name)}/runs?limit=${RUNS_PER_SERVICE}`);
    if (r.ok) {
      store.runs[name] = await r.json();
      journalFor[name] = key;
      emit('runs');
    }
  } catch { /* the next change asks again */ } finally {
    loading.delete(name);
  }
}
