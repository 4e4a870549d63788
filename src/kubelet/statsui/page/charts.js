// Line charts over uPlot (loaded as the global `uPlot`): one per metric, sized to its card, with
// values formatted in the metric's unit. Each chart keeps its points; set() redraws them.
import { toColumns } from './series.js';

const registry = new Map();

/** 1, 2, 4 ... 512 times each power of 1024, up to PiB. */
const BINARY_INCRS = [0, 1, 2, 3, 4, 5].flatMap((k) => [1, 2, 4, 8, 16, 32, 64, 128, 256, 512].map((m) => m * 1024 ** k));

function defined(column, i0, i1) {
  let n = 0;
  for (let i = i0; i <= i1 && n < 2; i++) if (column[i] != null) n++;
  return n;
}

function lastValue(column) {
  for (let i = column.length - 1; i >= 0; i--) if (column[i] != null) return column[i];
  return undefined;
}

/** For tests and curious people: window.__statsUI.points('cpu') → points drawn by that chart. */
export function chartRegistry() {
  return registry;
}

/**
 * lines: [{ label, key (point field, or a number for a constant limit line), color, dash, fill }];
 * floor: the least top of the y axis, so an idle chart does not draw a 0..0 axis;
 * binary: byte values, ticked at powers of two (1 GiB, 2 GiB, 4 GiB rather than 2.33 GiB);
 * compact: a small chart with no time axis and no legend (container cards).
 */
export function lineChart(host, name, { lines, format, height = 190, floor = 1, binary = false, compact = false }) {
  const el = document.createElement('div');
  el.className = 'chart';
  el.dataset.chart = name;
  el.dataset.points = '0';
  host.appendChild(el);
  let lineKeys = lines.map((l) => l.key);

  const opts = {
    width: Math.max(240, host.clientWidth || 480),
    height,
    cursor: { drag: { x: false, y: false }, points: { size: 6 } },
    legend: { show: !compact, live: true },
    scales: { x: { time: true }, y: { range: (u, lo, hi) => [0, Math.max((hi ?? 0) * 1.15, floor)] } },
    axes: [
      { show: !compact, stroke: '#64748b', grid: { stroke: '#eef2f7', width: 1 }, ticks: { stroke: '#e2e8f0' } },
      { stroke: '#64748b', size: compact ? 80 : 78, incrs: binary ? BINARY_INCRS : undefined, grid: { stroke: '#eef2f7', width: 1 }, ticks: { stroke: '#e2e8f0' }, values: (u, splits) => splits.map((v) => format(v)) },
    ],
    series: [
      { label: 'at', value: (u, v) => (v == null ? 'latest' : new Date(v * 1000).toLocaleTimeString()) },
      ...lines.map((l) => ({
        label: l.label,
        stroke: l.color,
        width: l.dash ? 1.5 : 2,
        dash: l.dash ? [6, 4] : undefined,
        fill: l.fill ? l.color + '22' : undefined,
        spanGaps: true,
        // A lone point draws no line: show dots until there are two.
        points: { show: (u, si, i0, i1) => defined(u.data[si], i0, i1) < 2 },
        value: (u, v, si, idx) => (v != null ? format(v) : idx == null ? format(lastValue(u.data[si])) : '–'),
      })),
    ],
  };
  const plot = new uPlot(opts, toColumns([], lineKeys), el);
  const resize = new ResizeObserver(() => {
    const w = host.clientWidth;
    if (w > 0 && Math.abs(w - plot.width) > 2) plot.setSize({ width: w, height });
  });
  resize.observe(host);

  const chart = {
    plot,
    points: 0,
    /** Redraws with these points; limit lines may change (a limit set later). */
    set(points, keys = lineKeys) {
      lineKeys = keys;
      plot.setData(toColumns(points, lineKeys));
      chart.points = points.length;
      el.dataset.points = String(points.length);
    },
    destroy() {
      resize.disconnect();
      plot.destroy();
      registry.delete(name);
    },
  };
  registry.set(name, chart);
  return chart;
}
