// Entry point: picks the page from the URL, loads its view, then follows the server's event
// stream and appends each housekeeping pass's points without reloading.
import { chartRegistry } from './charts.js';
import { fill, h } from './dom.js';
import { nodePage } from './nodepage.js';
import { podPage } from './podpage.js';
import { mergePoints } from './series.js';

const app = document.getElementById('app');

/** '/' → node; '/pods/ns/name' → pod; '/containers/ns/pod/c' → pod showing one container. */
function parseRoute(pathname) {
  const parts = pathname.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] === 'pods' && parts.length === 3) return { kind: 'pod', ns: parts[1], name: parts[2] };
  if (parts[0] === 'containers' && parts.length === 4) return { kind: 'pod', ns: parts[1], name: parts[2], container: parts[3] };
  return { kind: 'node' };
}

const state = { updates: 0, ready: false, errors: [] };
window.__statsUI = {
  /** Points the named chart draws ('cpu', 'memory', 'network', 'fs', 'container:<name>:cpu'...). */
  points: (name) => chartRegistry().get(name)?.points ?? 0,
  charts: () => [...chartRegistry().keys()],
  get updates() {
    return state.updates;
  },
  get ready() {
    return state.ready;
  },
};

function setLive(status, text) {
  document.getElementById('live').dataset.state = status;
  document.getElementById('live-text').textContent = text;
}

/** The view with an update's points appended (kept to the history window) and its other fields taken. */
function merge(view, update) {
  const windowS = (view.storageMs + view.intervalMs) / 1000;
  const next = { ...update, series: mergePoints(view.series, update.series, windowS) };
  if (update.containers) {
    next.containers = update.containers.map((c) => {
      const before = view.containers?.find((o) => o.name === c.name);
      return { ...c, series: before ? mergePoints(before.series, c.series, windowS) : c.series };
    });
  }
  return next;
}

function follow(route, onUpdate) {
  const q = route.kind === 'pod' ? `?pod=${encodeURIComponent(`${route.ns}/${route.name}`)}` : '';
  const es = new EventSource(`/api/ui/stream${q}`);
  es.onopen = () => setLive('live', 'live');
  es.onerror = () => setLive('reconnecting', 'reconnecting…');
  es.addEventListener('update', (e) => {
    onUpdate(JSON.parse(e.data));
    state.updates++;
    setLive('live', `updated ${new Date().toLocaleTimeString()}`);
  });
  es.addEventListener('gone', () => {
    es.close();
    setLive('reconnecting', 'pod gone');
    app.prepend(h('div', { class: 'banner' }, 'This pod is no longer running on this node; the charts show its last data.'));
  });
}

async function main() {
  const route = parseRoute(location.pathname);
  const url = route.kind === 'node' ? '/api/ui/node' : `/api/ui/pods/${encodeURIComponent(route.ns)}/${encodeURIComponent(route.name)}`;
  const res = await fetch(url);
  if (!res.ok) {
    setLive('reconnecting', 'not found');
    fill(app, h('p', { class: 'error' }, await res.text()), h('p', { class: 'loading' }, h('a', { href: '/' }, '← back to the node')));
    state.ready = true;
    return;
  }
  let view = await res.json();
  const page = route.kind === 'node' ? nodePage(app, view) : podPage(app, view, route.container);
  document.getElementById('foot').textContent =
    `Housekeeping every ${view.intervalMs / 1000} s · history kept ${Math.round(view.storageMs / 1000)} s · cAdvisor API at /api/v1.3 and /api/v2.0`;
  follow(route, (update) => {
    view = merge(view, update);
    page.update(view);
  });
  state.ready = true;
}

main().catch((err) => {
  fill(app, h('p', { class: 'error' }, `Could not load stats: ${err.message}`));
  state.ready = true;
});
