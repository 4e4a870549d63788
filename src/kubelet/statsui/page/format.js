// Numbers as people read them: "0.52 cores", "201 MiB", "1.2 MiB/s", "42%". Plain ES module
// shared by the page and the unit tests (format.d.ts types it for TypeScript).

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

/** Three significant digits at most, no trailing zeros beyond the unit's precision. */
function digits(v) {
  if (v >= 100) return v.toFixed(0);
  if (v >= 10) return v.toFixed(1);
  return v.toFixed(2);
}

export function formatBytes(bytes) {
  if (bytes === undefined || bytes === null || !Number.isFinite(bytes)) return '–';
  if (bytes < 1024) return `${Math.round(bytes)} B`;
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < UNITS.length - 1) {
    v /= 1024;
    i++;
  }
  // 1023.6 KiB would print as "1024 KiB": move up instead.
  if (Number(digits(v)) >= 1024 && i < UNITS.length - 1) {
    v /= 1024;
    i++;
  }
  return `${digits(v)} ${UNITS[i]}`;
}

export function formatRate(bytesPerSecond) {
  if (bytesPerSecond === undefined || bytesPerSecond === null || !Number.isFinite(bytesPerSecond)) return '–';
  return `${formatBytes(bytesPerSecond)}/s`;
}

export function formatCores(cores) {
  if (cores === undefined || cores === null || !Number.isFinite(cores)) return '–';
  if (cores === 0) return '0 cores';
  const text = cores >= 10 ? cores.toFixed(1) : cores >= 0.01 ? cores.toFixed(2) : cores.toFixed(3);
  return `${text} ${text === '1.00' ? 'core' : 'cores'}`;
}

export function formatPercent(fraction) {
  if (fraction === undefined || fraction === null || !Number.isFinite(fraction)) return '–';
  const p = fraction * 100;
  return p > 0 && p < 1 ? '<1%' : `${Math.round(p)}%`;
}

/** "3d 4h", "2h 5m", "5m 3s", "42s". */
export function formatAge(seconds) {
  if (!Number.isFinite(seconds) || seconds < 0) return '–';
  const s = Math.floor(seconds);
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d) return `${d}d ${h}h`;
  if (h) return `${h}h ${m}m`;
  if (m) return `${m}m ${s % 60}s`;
  return `${s}s`;
}

/** Colour band of a use-to-capacity fraction. */
export function level(fraction) {
  if (!Number.isFinite(fraction)) return 'ok';
  if (fraction >= 0.9) return 'crit';
  if (fraction >= 0.7) return 'warn';
  return 'ok';
}

const ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** For the rare string put into markup; the page otherwise builds nodes with textContent. */
export function escapeHTML(text) {
  return String(text).replace(/[&<>"']/g, (c) => ESCAPES[c]);
}
