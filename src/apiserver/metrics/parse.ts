// The Prometheus text exposition format (version 0.0.4), as much of it as the kubelet's
// /metrics/resource uses: samples with labels, float values (NaN, ±Inf) and the optional
// millisecond timestamp that says when the kubelet measured the value. Pure.

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
  /** Milliseconds since the epoch, when the line carries one. */
  timestampMs?: number;
}

export class ExpositionError extends Error {
  constructor(line: number, why: string) {
    super(`line ${line}: ${why}`);
  }
}

const nameStart = /[a-zA-Z_:]/;
const nameChar = /[a-zA-Z0-9_:]/;

function parseValue(text: string, line: number): number {
  switch (text) {
    case 'NaN':
      return NaN;
    case '+Inf':
    case 'Inf':
      return Infinity;
    case '-Inf':
      return -Infinity;
  }
  const n = Number(text);
  if (text === '' || Number.isNaN(n)) throw new ExpositionError(line, `invalid value ${JSON.stringify(text)}`);
  return n;
}

/** Reads `{a="x",b="y"}` starting at s[i] === '{'; returns the labels and the index after '}'. */
function parseLabels(s: string, start: number, line: number): [Record<string, string>, number] {
  const labels: Record<string, string> = {};
  let i = start + 1;
  const skipSpace = () => {
    while (s[i] === ' ' || s[i] === '\t') i++;
  };
  for (;;) {
    skipSpace();
    if (s[i] === '}') return [labels, i + 1];
    const nameFrom = i;
    if (!s[i] || !/[a-zA-Z_]/.test(s[i])) throw new ExpositionError(line, `invalid label name at column ${i + 1}`);
    while (s[i] && /[a-zA-Z0-9_]/.test(s[i])) i++;
    const name = s.slice(nameFrom, i);
    skipSpace();
    if (s[i] !== '=') throw new ExpositionError(line, `expected "=" after label ${name}`);
    i++;
    skipSpace();
    if (s[i] !== '"') throw new ExpositionError(line, `expected a quoted value for label ${name}`);
    i++;
    let value = '';
    for (;;) {
      const c = s[i];
      if (c === undefined) throw new ExpositionError(line, `unterminated value for label ${name}`);
      i++;
      if (c === '"') break;
      if (c === '\\') {
        const e = s[i++];
        value += e === 'n' ? '\n' : e === '\\' || e === '"' ? e : `\\${e ?? ''}`;
      } else value += c;
    }
    labels[name] = value;
    skipSpace();
    if (s[i] === ',') i++;
    else if (s[i] !== '}') throw new ExpositionError(line, `expected "," or "}" after label ${name}`);
  }
}

/** Every sample of an exposition; comments (HELP, TYPE) and blank lines are skipped. */
export function parseExposition(text: string): Sample[] {
  const out: Sample[] = [];
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const s = lines[n].replace(/\r$/, '');
    let i = 0;
    while (s[i] === ' ' || s[i] === '\t') i++;
    if (i >= s.length || s[i] === '#') continue;
    const from = i;
    if (!nameStart.test(s[i])) throw new ExpositionError(n + 1, `invalid metric name at column ${i + 1}`);
    while (s[i] && nameChar.test(s[i])) i++;
    const name = s.slice(from, i);
    let labels: Record<string, string> = {};
    if (s[i] === '{') [labels, i] = parseLabels(s, i, n + 1);
    const rest = s.slice(i).trim().split(/[ \t]+/);
    if (rest.length < 1 || rest.length > 2 || rest[0] === '') throw new ExpositionError(n + 1, `expected a value and an optional timestamp after ${name}`);
    const sample: Sample = { name, labels, value: parseValue(rest[0], n + 1) };
    if (rest.length === 2) {
      const ts = Number(rest[1]);
      if (!Number.isInteger(ts)) throw new ExpositionError(n + 1, `invalid timestamp ${JSON.stringify(rest[1])}`);
      sample.timestampMs = ts;
    }
    out.push(sample);
  }
  return out;
}
