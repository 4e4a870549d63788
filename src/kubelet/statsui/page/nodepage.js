// The node page: gauges (CPU, memory, filesystem against capacity), machine facts, charts over
// the kept history and the pod table, sortable by name, CPU and memory.
import { formatBytes, formatCores, formatRate } from './format.js';
import { chartCard, fill, gauge, h, latest, phasePill, podPath, setCrumbs } from './dom.js';
import { sortRows } from './sort.js';

const MiB = 1024 * 1024;
export const COLORS = { cpu: '#6366f1', mem: '#10b981', limit: '#ef4444', rx: '#0ea5e9', tx: '#f59e0b', fs: '#8b5cf6' };

/** The network card both pages show: receive and transmit rates. */
export function networkCard(charts) {
  return chartCard(charts, 'network', 'Network', {
    lines: [
      { label: 'rx', key: 'rx', color: COLORS.rx, fill: true },
      { label: 'tx', key: 'tx', color: COLORS.tx },
    ],
    format: formatRate,
    binary: true,
    floor: 1024,
  });
}

export function nodePage(app, view) {
  document.title = `${view.nodeName} · Berth`;
  setCrumbs([{ text: `node ${view.nodeName}` }]);
  const g = { cpu: gauge('CPU'), mem: gauge('Memory'), fs: gauge('Filesystem') };
  const facts = h('dl', { class: 'facts' });
  const gauges = h('section', { class: 'grid gauges' }, g.cpu.root, g.mem.root, g.fs.root, h('div', { class: 'card' }, h('div', { class: 'card-head' }, h('h3', {}, 'Machine')), facts));
  const charts = h('section', { class: 'grid charts' });
  const count = h('span', { class: 'count' }, '0');
  const table = podTable();
  fill(app, gauges, charts, h('h2', { class: 'section-title' }, 'Pods', count), h('div', { class: 'card table-card' }, table.root));

  const c = {
    cpu: chartCard(charts, 'cpu', 'CPU', { lines: [{ label: 'used', key: 'cpu', color: COLORS.cpu, fill: true }], format: formatCores, floor: 0.05 }),
    mem: chartCard(charts, 'memory', 'Memory working set', {
      lines: [
        { label: 'working set', key: 'mem', color: COLORS.mem, fill: true },
        { label: 'capacity', key: view.machine.memoryBytes, color: COLORS.limit, dash: true },
      ],
      format: formatBytes,
      binary: true,
      floor: 16 * MiB,
    }),
    net: networkCard(charts),
    fs: chartCard(charts, 'fs', 'Filesystem used', { lines: [{ label: 'used', key: 'fs', color: COLORS.fs, fill: true }], format: formatBytes, binary: true, floor: MiB }),
  };

  function update(v) {
    const s = v.series;
    const cpu = latest(s, 'cpu');
    const mem = latest(s, 'mem');
    g.cpu.set(cpu, v.machine.cores, formatCores);
    g.mem.set(mem, v.machine.memoryBytes, formatBytes);
    g.fs.set(v.fs?.usedBytes ?? latest(s, 'fs'), v.fs?.capacityBytes ?? 0, formatBytes);
    const rows = [
      ['Node', v.nodeName],
      ['OS', v.machine.os],
      ['Kernel', v.machine.kernel],
      ['Arch', `${v.machine.arch} · ${v.machine.cores} cores${v.machine.cpuFrequencyKhz ? ` @ ${(v.machine.cpuFrequencyKhz / 1e6).toFixed(2)} GHz` : ''}`],
      ['Pods', String(v.pods.length)],
    ];
    fill(facts, rows.flatMap(([k, val]) => [h('dt', {}, k), h('dd', { title: val }, val)]));
    c.cpu.set(s, ['cpu'], formatCores(cpu));
    c.mem.set(s, ['mem', v.machine.memoryBytes], formatBytes(mem));
    c.net.set(s, ['rx', 'tx'], `↓ ${formatRate(latest(s, 'rx'))}  ↑ ${formatRate(latest(s, 'tx'))}`);
    c.fs.set(s, ['fs'], formatBytes(latest(s, 'fs') ?? v.fs?.usedBytes));
    count.textContent = String(v.pods.length);
    table.render(v.pods);
  }
  update(view);
  return { update };
}

const COLUMNS = [
  { key: 'name', label: 'Pod', sortable: true },
  { key: 'phase', label: 'Status' },
  { key: 'ready', label: 'Ready' },
  { key: 'restarts', label: 'Restarts', sortable: true },
  { key: 'cpu', label: 'CPU', sortable: true, num: true },
  { key: 'mem', label: 'Memory', sortable: true, num: true },
];

function podTable() {
  let sort = { key: 'name', desc: false };
  let rows = [];
  const head = h('tr');
  const body = h('tbody');
  const root = h('table', { class: 'pods' }, h('thead', {}, head), body);

  function renderHead() {
    fill(
      head,
      COLUMNS.map((col) => {
        const active = sort.key === col.key;
        const th = h(
          'th',
          {
            class: col.sortable ? 'sortable' : undefined,
            dataset: { sort: col.key },
            'aria-sort': active ? (sort.desc ? 'descending' : 'ascending') : undefined,
            onclick: col.sortable
              ? () => {
                  sort = active ? { key: col.key, desc: !sort.desc } : { key: col.key, desc: col.key !== 'name' };
                  renderHead();
                  renderBody();
                }
              : undefined,
          },
          col.label,
          ' ',
          h('span', { class: 'arrow' }, active ? (sort.desc ? '↓' : '↑') : ''),
        );
        return th;
      }),
    );
  }

  function bar(value, max, format, cls) {
    const pct = max > 0 && value !== undefined ? Math.max(2, Math.round((value / max) * 100)) : 0;
    return h('div', { class: `bar ${cls}` }, h('div', { class: 'track' }, h('div', { class: 'fill', style: `width:${pct}%` })), h('span', { class: 'v' }, format(value)));
  }

  function renderBody() {
    if (!rows.length) return fill(body, h('tr', {}, h('td', { class: 'empty', colspan: COLUMNS.length }, 'No pods on this node.')));
    const maxCpu = Math.max(0, ...rows.map((r) => r.cpu ?? 0));
    const maxMem = Math.max(0, ...rows.map((r) => r.memLimit ?? r.mem ?? 0));
    fill(
      body,
      sortRows(rows, sort.key, sort.desc).map((r) =>
        h(
          'tr',
          { dataset: { pod: `${r.namespace}/${r.name}` } },
          h('td', {}, h('a', { href: podPath(r.namespace, r.name) }, h('span', { class: 'ns' }, `${r.namespace}/`), r.name)),
          h('td', {}, phasePill(r.phase)),
          h('td', {}, `${r.ready}/${r.containers}`),
          h('td', {}, String(r.restarts)),
          h('td', { class: 'num' }, bar(r.cpu, maxCpu, formatCores, 'cpu')),
          h('td', { class: 'num', title: r.memLimit ? `limit ${formatBytes(r.memLimit)}` : undefined }, bar(r.mem, r.memLimit ?? maxMem, formatBytes, 'mem')),
        ),
      ),
    );
  }

  renderHead();
  return {
    root,
    render(next) {
      rows = next;
      renderBody();
    },
  };
}
