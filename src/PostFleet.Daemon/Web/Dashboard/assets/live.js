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

const RECONNECT_MS = 1000;

/** The view after `changes` ({base, pass, set, services}); null when they do not follow `view`. */
export function applyChanges(view, changes) {
  if (!view || changes.base !== view.pass) return null;
  const next = { ...view, ...changes.set };
  if (changes.services.length) {
    const byName = new Map(changes.services.map((s) => [s.name, s]));
    next.services = view.services.map((s) => byName.get(s.name) || s);
  }
  return next;
}

function setConnected(connected) {
  store.connected = connected;
  emit('connection');
}

// The event stream as changes: one whole view on (re)connect, then `fleet-changes` per pass (the members and
// services that differ), applied onto the last view. A change that does not follow the view we hold means one was
// lost: reconnect, and the daemon starts us again with a whole view.
export function connect() {
  const source = new EventSource('/api/v1/events?changes=1');
  source.addEventListener('open', () => setConnected(true));
  source.addEventListener('error', () => setConnected(false));
  source.addEventListener('fleet', (e) => acceptView(JSON.parse(e.data)));
  source.addEventListener('fleet-changes', (e) => {
    const received = performance.now();
    const changes = JSON.parse(e.data);
    // Already part of the whole view we were sent when we (re)connected.
    if (store.view && changes.pass <= store.view.pass) return;
    const next = applyChanges(store.view, changes);
    if (next) {
      acceptView(next);
      // Message to the next frame drawn with it: the update time the large-fleet bench reads.
      requestAnimationFrame(() => performance.measure('pf-update', { start: received }));
      return;
    }
    source.close();
    setConnected(false);
    setTimeout(connect, RECONNECT_MS);
  });
  source.addEventListener('alerts', (e) => { store.alerts = JSON.parse(e.data).open || []; emit('alerts'); });
  return source;
}

// The services whose timeline is on the page: only their journals are asked for, so a large fleet's page asks
// for the lanes it draws, not for a thousand services on every pass.
const shown = new Set();

/** Called for each service a timeline draws; its journal is asked for now if the page does not hold it yet. */
export function wantRuns(name) {
  if (shown.has(name)) return;
  shown.add(name);
  const s = store.view?.services.find((x) => x.name === name);
  if (s) loadRuns(name, journalKey(s));
}

// An open phase grows on the page up to "now"; the journal is asked again only when a run or phase changes.
const journalKey = (s) => `${s.instanceId}|${s.phase}|${s.nonceStart}|${s.dagState}|${s.lastDeliveredEpoch}`;

export function acceptView(view) {
  store.view = view;
  emit('fleet');
  for (const s of view.services) {
    if (!shown.has(s.name)) continue;
    const key = journalKey(s);
    if (journalFor[s.name] !== key) loadRuns(s.name, key);
  }
}

// name -> the newest key seen while its journal was being fetched: asked for once that fetch is back, since the
// view that changed it may be the last one for a while.
const pending = {};

async function loadRuns(name, key) {
  if (loading.has(name)) {
    pending[name] = key;
    return;
  }
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
    const next = pending[name];
    delete pending[name];
    if (next !== undefined && next !== journalFor[name]) loadRuns(name, next);
  }
}
