// The pod page (and the container page, which is the pod page showing one container): pod facts,
// gauges against limits (or the machine without limits), charts, and a card per container with
// its state, restarts, probes and small CPU/memory charts.
import { formatAge, formatBytes, formatCores, formatRate } from './format.js';
import { chartCard, containerPath, fill, gauge, h, latest, miniChart, phasePill, podPath, setCrumbs } from './dom.js';
import { COLORS, networkCard } from './nodepage.js';

const MiB = 1024 * 1024;

export function podPage(app, view, only) {
  const title = only ? `${view.namespace}/${view.name} › ${only}` : `${view.namespace}/${view.name}`;
  document.title = `${title} · Berth`;
  const crumbs = [{ text: `node ${view.nodeName}`, href: '/' }, { text: `${view.namespace}/${view.name}`, href: podPath(view.namespace, view.name) }];
  if (only) crumbs.push({ text: only });
  setCrumbs(crumbs);

  const headInfo = h('div', { class: 'pod-head' });
  const g = { cpu: gauge('CPU'), mem: gauge('Memory') };
  const ready = h('div', { class: 'big' });
  const readySub = h('div', { class: 'sub' });
  const restarts = h('div', { class: 'big' });
  const restartsSub = h('div', { class: 'sub' });
  const gauges = h(
    'section',
    { class: 'grid gauges' },
    g.cpu.root,
    g.mem.root,
    h('div', { class: 'card stat' }, h('h3', {}, 'Ready'), ready, readySub),
    h('div', { class: 'card stat' }, h('h3', {}, 'Restarts'), restarts, restartsSub),
  );
  const charts = h('section', { class: 'grid charts' });
  const containersGrid = h('section', { class: 'grid containers' });
  fill(app, headInfo, gauges, charts, h('h2', { class: 'section-title' }, 'Containers'), containersGrid);

  const c = {
    cpu: chartCard(charts, 'cpu', 'CPU', { lines: limitLines('cpu', COLORS.cpu, view.limits.cpu), format: formatCores, floor: 0.05 }),
    mem: chartCard(charts, 'memory', 'Memory working set', { lines: limitLines('mem', COLORS.mem, view.limits.memory), format: formatBytes, binary: true, floor: 16 * MiB }),
    net: networkCard(charts),
    fs: chartCard(charts, 'fs', 'Filesystem used (containers)', { lines: [{ label: 'used', key: 'fs', color: COLORS.fs, fill: true }], format: formatBytes, binary: true, floor: MiB }),
  };
  const cards = new Map();

  function update(v) {
    renderHead(headInfo, v, only);
    const s = v.series;
    const cpu = latest(s, 'cpu');
    const mem = latest(s, 'mem');
    g.cpu.set(cpu, v.limits.cpu ?? v.capacity.cpu, formatCores);
    g.mem.set(mem, v.limits.memory ?? v.capacity.memory, formatBytes);
    g.cpu.root.title = v.limits.cpu ? 'against the pod limit' : 'no CPU limit: against the machine';
    g.mem.root.title = v.limits.memory ? 'against the pod limit' : 'no memory limit: against the machine';
    const readyCount = v.containers.filter((x) => x.ready).length;
    ready.textContent = `${readyCount}/${v.containers.length}`;
    readySub.textContent = readyCount === v.containers.length ? 'all containers ready' : 'containers ready';
    const restartTotal = v.containers.reduce((a, x) => a + x.restarts, 0);
    restarts.textContent = String(restartTotal);
    const lastReason = v.containers.map((x) => x.lastTermination?.reason).find(Boolean);
    restartsSub.textContent = lastReason ? `last: ${lastReason}` : 'since the pod started';
    c.cpu.set(s, keysWithLimit('cpu', v.limits.cpu), formatCores(cpu));
    c.mem.set(s, keysWithLimit('mem', v.limits.memory), formatBytes(mem));
    c.net.set(s, ['rx', 'tx'], `↓ ${formatRate(latest(s, 'rx'))}  ↑ ${formatRate(latest(s, 'tx'))}`);
    c.fs.set(s, ['fs'], formatBytes(latest(s, 'fs')));

    const shown = v.containers.filter((x) => !only || x.name === only);
    if (shown.length !== cards.size || shown.some((x) => !cards.has(x.name))) {
      fill(containersGrid);
      cards.clear();
      for (const x of shown) cards.set(x.name, containerCard(containersGrid, v, x));
      if (!shown.length) containersGrid.append(h('p', { class: 'loading' }, only ? `No container "${only}" in this pod.` : 'No containers.'));
    }
    for (const x of shown) cards.get(x.name).update(x);
  }
  update(view);
  return { update };
}

function limitLines(key, color, limit) {
  const lines = [{ label: 'used', key, color, fill: true }];
  if (limit) lines.push({ label: 'limit', key: limit, color: COLORS.limit, dash: true });
  return lines;
}

const keysWithLimit = (key, limit) => (limit ? [key, limit] : [key]);

function renderHead(el, v, only) {
  const age = v.startTime ? formatAge((Date.now() - Date.parse(v.startTime)) / 1000) : undefined;
  fill(
    el,
    h('h1', {}, h('span', { class: 'ns' }, `${v.namespace}/`), v.name, only ? ` › ${only}` : ''),
    phasePill(v.phase),
    h(
      'div',
      { class: 'chips' },
      v.qosClass && h('span', { class: 'chip' }, `QoS ${v.qosClass}`),
      v.podIP && h('span', { class: 'chip' }, `IP ${v.podIP}`),
      age && h('span', { class: 'chip' }, `started ${age} ago`),
      v.conditions.map((cond) => h('span', { class: `chip ${cond.status === 'True' ? 'true' : 'false'}` }, cond.type)),
    ),
  );
}

function statePill(x) {
  const cls = x.state === 'running' ? 'good' : x.state === 'terminated' && x.reason !== 'Completed' ? 'bad' : 'wait';
  return h('span', { class: `pill ${cls}` }, x.reason ? `${x.state}: ${x.reason}` : x.state);
}

const RESULT_CLASS = { success: 'good', failure: 'bad', pending: 'wait', unknown: '' };

function resources(x) {
  const part = (label, l) => {
    const bits = [l.cpu !== undefined && formatCores(l.cpu), l.memory !== undefined && formatBytes(l.memory)].filter(Boolean);
    return bits.length ? `${label} ${bits.join(', ')}` : undefined;
  };
  return [part('requests', x.requests), part('limits', x.limits)].filter(Boolean).join(' · ') || 'no requests or limits';
}

function containerCard(parent, pod, x) {
  const head = h('div', { class: 'title' });
  const meta = h('div', { class: 'meta' });
  const probes = h('ul', { class: 'probes' });
  const mini = h('div', { class: 'mini' });
  parent.append(h('article', { class: 'card container', dataset: { container: x.name } }, head, h('div', { class: 'image' }, x.image), meta, probes, mini));
  const base = `container:${x.name}`;
  const cpu = miniChart(mini, `${base}:cpu`, 'CPU', { lines: limitLines('cpu', COLORS.cpu, x.limits.cpu), format: formatCores, floor: 0.05 });
  const mem = miniChart(mini, `${base}:memory`, 'Memory', { lines: limitLines('mem', COLORS.mem, x.limits.memory), format: formatBytes, binary: true, floor: 16 * MiB });
  return {
    update(c) {
      fill(
        head,
        h('h3', {}, h('a', { href: containerPath(pod.namespace, pod.name, c.name) }, c.name)),
        statePill(c),
        h('span', { class: `pill ${c.ready ? 'good' : 'wait'}` }, c.ready ? 'ready' : 'not ready'),
        c.started !== undefined && h('span', { class: `pill ${c.started ? 'good' : 'wait'}` }, c.started ? 'started' : 'starting'),
      );
      const term = c.lastTermination;
      fill(
        meta,
        h('span', {}, 'Restarts ', h('b', {}, String(c.restarts))),
        term && h('span', {}, 'Last exit ', h('b', {}, `${term.reason ?? 'unknown'}${term.exitCode !== undefined ? ` (${term.exitCode})` : ''}`)),
        h('span', {}, resources(c)),
      );
      fill(
        probes,
        c.probes.length
          ? c.probes.map((p) => h('li', {}, h('span', { class: 'kind' }, h('span', { class: `pill ${RESULT_CLASS[p.result]}` }, `${p.type}: ${p.result}`)), h('code', {}, p.handler)))
          : h('li', {}, h('span', { class: 'sub' }, 'No probes configured.')),
      );
      cpu.set(c.series, keysWithLimit('cpu', c.limits.cpu), formatCores(latest(c.series, 'cpu')));
      mem.set(c.series, keysWithLimit('mem', c.limits.memory), formatBytes(latest(c.series, 'mem')));
    },
  };
}
