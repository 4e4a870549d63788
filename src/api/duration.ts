// Go-style durations as flags and KubeletConfiguration carry them: "10s", "1m30s", "300ms", "2h".

const units: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Parses a duration into milliseconds; throws an Error naming the value when malformed. */
export function parseDuration(text: string): number {
  const s = text.trim();
  if (s === '0') return 0;
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/y;
  let total = 0;
  let pos = 0;
  let sign = 1;
  if (s[0] === '-' || s[0] === '+') {
    sign = s[0] === '-' ? -1 : 1;
    pos = 1;
  }
  if (pos >= s.length) throw new Error(`invalid duration ${JSON.stringify(text)}`);
  while (pos < s.length) {
    re.lastIndex = pos;
    const m = re.exec(s);
    if (!m) throw new Error(`invalid duration ${JSON.stringify(text)}`);
    total += Number(m[1]) * units[m[2]];
    pos = re.lastIndex;
  }
  return sign * total;
}

/**
 * Formats milliseconds as Go's time.Duration String(): "1h2m3.5s", "5m0s", "10s", "1.5ms",
 * "250µs", "0s". Go counts whole nanoseconds; so does this.
 */
export function formatDuration(ms: number): string {
  let ns = Math.round(ms * 1e6);
  if (ns === 0) return '0s';
  const sign = ns < 0 ? '-' : '';
  ns = Math.abs(ns);
  if (ns < 1e9) {
    // Under a second: the largest unit with a digit before the point.
    const [unit, size] = ns < 1e3 ? ['ns', 1] : ns < 1e6 ? ['µs', 1e3] : ['ms', 1e6];
    return `${sign}${decimal(ns / size)}${unit}`;
  }
  const h = Math.floor(ns / 3.6e12);
  ns -= h * 3.6e12;
  const m = Math.floor(ns / 6e10);
  ns -= m * 6e10;
  const hm = h ? `${h}h${m}m` : m ? `${m}m` : '';
  return `${sign}${hm}${decimal(ns / 1e9)}s`;
}

/** Up to nine fractional digits, trailing zeros (and a bare point) dropped, as Go prints them. */
function decimal(n: number): string {
  return n.toFixed(9).replace(/\.?0+$/, '');
}
