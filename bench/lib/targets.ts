// What a benchmark promises, as data beside it (`export const targets`), and the check of a result
// against it for `npm run bench -- NAME --check`. Pure.

/** A bound: a number, or another value of the result times a factor plus an offset (a ratio to a floor). */
export type Bound = number | { key: string; times?: number; plus?: number };

export interface Target {
  /** A key of the result's JSON; dots reach into objects ('sqlite.list_all_p50_ms'). */
  key: string;
  op: '<' | '<=' | '>' | '>=';
  bound: Bound;
  /** Settings of the run the target was stated for ({ pods: 110 }): a run with others cannot meet or miss it. */
  at?: Record<string, unknown>;
  /** Where the target is written down. */
  source: string;
}

export interface TargetCheck {
  key: string;
  op: Target['op'];
  value: number | undefined;
  /** The bound as a number, once resolved against the result. */
  limit: number | undefined;
  /** true met, false missed, undefined does not apply to this run. */
  ok: boolean | undefined;
  why?: string;
  source: string;
}

/** pass: every target met; fail: one missed (or not measured); not-applicable: none missed but some did not apply; no-targets. */
export type Verdict = 'pass' | 'fail' | 'not-applicable' | 'no-targets';

export function valueAt(result: unknown, key: string): unknown {
  return key.split('.').reduce<unknown>((o, k) => (o !== null && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), result);
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

function resolve(result: unknown, b: Bound): number | undefined {
  if (typeof b === 'number') return b;
  const base = num(valueAt(result, b.key));
  return base === undefined ? undefined : base * (b.times ?? 1) + (b.plus ?? 0);
}

const holds = (v: number, op: Target['op'], limit: number) =>
  op === '<' ? v < limit : op === '<=' ? v <= limit : op === '>' ? v > limit : v >= limit;

export function checkTargets(result: unknown, targets: readonly Target[]): { verdict: Verdict; checks: TargetCheck[] } {
  const checks = targets.map((t): TargetCheck => {
    const base = { key: t.key, op: t.op, source: t.source };
    const differs = Object.entries(t.at ?? {}).filter(([k, want]) => valueAt(result, k) !== want);
    if (differs.length) {
      return { ...base, value: num(valueAt(result, t.key)), limit: resolve(result, t.bound), ok: undefined,
        why: `stated for ${differs.map(([k, want]) => `${k}=${JSON.stringify(want)}`).join(', ')}; this run had ${differs.map(([k]) => `${k}=${JSON.stringify(valueAt(result, k))}`).join(', ')}` };
    }
    const value = num(valueAt(result, t.key));
    const limit = resolve(result, t.bound);
    if (value === undefined) return { ...base, value, limit, ok: false, why: `${t.key} is not a number in the result` };
    if (limit === undefined) return { ...base, value, limit, ok: false, why: `the bound's ${typeof t.bound === 'object' ? t.bound.key : ''} is not a number in the result` };
    return { ...base, value, limit, ok: holds(value, t.op, limit) };
  });
  const verdict: Verdict = !targets.length ? 'no-targets'
    : checks.some((c) => c.ok === false) ? 'fail'
    : checks.some((c) => c.ok === undefined) ? 'not-applicable'
    : 'pass';
  return { verdict, checks };
}

/** The exit code of `--check`: 0 pass, 1 a target missed, 2 nothing to check against. */
export const checkExitCode = (v: Verdict): number => (v === 'pass' ? 0 : v === 'fail' ? 1 : 2);

/** One line per target, for people: 'ok   kubelet_cpu_cores 0.031 < 0.1 (source)'. */
export function describeChecks(checks: readonly TargetCheck[]): string[] {
  return checks.map((c) => {
    const mark = c.ok === true ? 'ok  ' : c.ok === false ? 'MISS' : 'n/a ';
    return `${mark} ${c.key} ${c.value ?? '?'} ${c.op} ${c.limit === undefined ? '?' : Number(c.limit.toFixed(4))}${c.why ? ` (${c.why})` : ''} [${c.source}]`;
  });
}
