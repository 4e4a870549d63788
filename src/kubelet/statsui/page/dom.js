// Small DOM helpers. Text always goes in as text nodes (never markup), so pod names, labels and
// images from the API cannot inject anything.
import { formatPercent, level } from './format.js';
import { lineChart } from './charts.js';

const SVG = 'http://www.w3.org/2000/svg';

/** h('div', { class: 'x', dataset: { pod: 'a' } }, 'text', child) */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** Replaces an element's children. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

export const podPath = (ns, name) => `/pods/${encodeURIComponent(ns)}/${encodeURIComponent(name)}`;
export const containerPath = (ns, pod, c) => `/containers/${encodeURIComponent(ns)}/${encodeURIComponent(pod)}/${encodeURIComponent(c)}`;

/** Header breadcrumb: [{ text, href? }], the last one is where we are. */
export function setCrumbs(items) {
  const nav = document.getElementById('crumbs');
  const parts = [];
  items.forEach((it, i) => {
    if (i) parts.push(h('span', { class: 'sep' }, '›'));
    parts.push(it.href && i < items.length - 1 ? h('a', { href: it.href }, it.text) : h('span', { class: 'here' }, it.text));
  });
  fill(nav, parts);
}

/** A ring gauge card: label, big value, "of <capacity>", percent in the ring. */
export function gauge(label) {
  const r = 34;
  const c = 2 * Math.PI * r;
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('width', '88');
  svg.setAttribute('height', '88');
  svg.setAttribute('viewBox', '0 0 88 88');
  const ring = (cls) => {
    const e = document.createElementNS(SVG, 'circle');
    e.setAttribute('cx', '44');
    e.setAttribute('cy', '44');
    e.setAttribute('r', String(r));
    e.setAttribute('fill', 'none');
    e.setAttribute('stroke-width', '9');
    e.setAttribute('class', cls);
    e.setAttribute('transform', 'rotate(-90 44 44)');
    return e;
  };
  const track = ring('track');
  const arc = ring('arc');
  arc.setAttribute('stroke-dasharray', `0 ${c}`);
  const pct = document.createElementNS(SVG, 'text');
  pct.setAttribute('x', '44');
  pct.setAttribute('y', '50');
  pct.setAttribute('text-anchor', 'middle');
  pct.setAttribute('class', 'pct');
  svg.append(track, arc, pct);
  const value = h('div', { class: 'value' }, '–');
  const of = h('div', { class: 'of' });
  const root = h('div', { class: 'card gauge ok', dataset: { gauge: label.toLowerCase() } }, svg, h('div', {}, h('div', { class: 'label' }, label), value, of));
  return {
    root,
    set(used, capacity, format) {
      const f = capacity > 0 && used !== undefined ? Math.min(1, used / capacity) : 0;
      arc.setAttribute('stroke-dasharray', `${f * c} ${c}`);
      pct.textContent = used === undefined ? '–' : formatPercent(capacity > 0 ? used / capacity : NaN);
      value.textContent = format(used);
      of.textContent = capacity > 0 ? `of ${format(capacity)}` : '';
      root.className = `card gauge ${level(f)}`;
    },
  };
}

/** A card with a title, the latest value, and a line chart. */
export function chartCard(parent, name, title, chartOpts) {
  const now = h('span', { class: 'now' }, '–');
  const host = h('div');
  parent.append(h('div', { class: 'card' }, h('div', { class: 'card-head' }, h('h3', {}, title), now), host));
  const chart = lineChart(host, name, chartOpts);
  return {
    set(points, keys, current) {
      chart.set(points, keys);
      now.textContent = current ?? '–';
    },
  };
}

/** A small titled chart inside a container card. */
export function miniChart(parent, name, title, chartOpts) {
  const now = h('b', {}, '–');
  const host = h('div');
  parent.append(h('div', {}, h('div', { class: 'mini-title' }, h('span', {}, title), now), host));
  const chart = lineChart(host, name, { height: 110, compact: true, ...chartOpts });
  return {
    set(points, keys, current) {
      chart.set(points, keys);
      now.textContent = current ?? '–';
    },
  };
}

/** The last defined value of a field in a series. */
export function latest(series, key) {
  for (let i = series.length - 1; i >= 0; i--) if (series[i][key] !== undefined) return series[i][key];
  return undefined;
}

export function phasePill(phase) {
  const cls = phase === 'Running' || phase === 'Succeeded' ? 'good' : phase === 'Failed' ? 'bad' : 'wait';
  return h('span', { class: `pill ${cls}` }, phase);
}
