// The event stream as changes: one whole view on (re)connect, then `fleet-changes` per pass (the members and
// services that differ), applied onto the last view. A change that does not follow the view we hold means one was
// lost: reconnect, and the daemon starts us again with a whole view.

import { store, acceptView } from './store.js';

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

function emitConnection(connected) {
  store.connected = connected;
  for (const listener of store.listeners) listener('connection');
}

export function connect() {
  const source = new EventSource('/api/v1/events?changes=1');
  source.addEventListener('open', () => emitConnection(true));
  source.addEventListener('error', () => emitConnection(false));
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
    emitConnection(false);
    setTimeout(connect, RECONNECT_MS);
  });
  source.addEventListener('alerts', (e) => {
    store.alerts = JSON.parse(e.data).open || [];
    for (const listener of store.listeners) listener('alerts');
  });
  return source;
}
