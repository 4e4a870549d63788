// Where a V8 CPU profile (.cpuprofile, as bench/lib/cpu-profile-preload.mjs writes it) spent its time,
// optionally only inside a time window: self time per function and per source file. Pure.
//
// Profile timestamps are microseconds of V8's monotonic clock, which on Linux is CLOCK_MONOTONIC,
// the same clock as process.hrtime() in any process: a benchmark can mark a window with
// process.hrtime.bigint() / 1000n and cut the child's profile to it.

export interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }>;
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  /** Sampled time inside the window, ms (idle included). */
  sampled_ms: number;
  /** Of which not idle (program, GC and JS), ms. */
  busy_ms: number;
  top_functions: Array<{ fn: string; self_ms: number; pct_of_busy: number }>;
  top_files: Array<{ file: string; self_ms: number; pct_of_busy: number }>;
}

const shortUrl = (url: string) => {
  if (!url) return '(native)';
  const s = url.replace(/^file:\/\//, '');
  const nm = s.lastIndexOf('/node_modules/');
  if (nm >= 0) return s.slice(nm + 1);
  const src = s.search(/\/(src|bench|test)\//);
  return src >= 0 ? s.slice(src + 1) : s;
};

export function summarizeProfile(p: CpuProfile, window?: { fromUs: number; toUs: number }, top = 15): ProfileSummary {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  let t = p.startTime;
  for (let i = 0; i < p.samples.length; i++) {
    t += p.timeDeltas[i] ?? 0;
    // A sample stands for the time until the next one.
    const span = p.timeDeltas[i + 1] ?? 0;
    if (window && (t < window.fromUs || t >= window.toUs)) continue;
    selfUs.set(p.samples[i]!, (selfUs.get(p.samples[i]!) ?? 0) + span);
  }
  const fns = new Map<string, number>();
  const files = new Map<string, number>();
  let sampled = 0;
  let idle = 0;
  for (const [id, us] of selfUs) {
    const cf = byId.get(id)!.callFrame;
    sampled += us;
    if (cf.functionName === '(idle)') { idle += us; continue; }
    const file = shortUrl(cf.url);
    const fn = `${cf.functionName || '(anonymous)'} ${file}${cf.url ? `:${cf.lineNumber + 1}` : ''}`;
    fns.set(fn, (fns.get(fn) ?? 0) + us);
    files.set(file, (files.get(file) ?? 0) + us);
  }
  const busy = sampled - idle;
  const ms = (us: number) => Number((us / 1000).toFixed(1));
  const pct = (us: number) => (busy > 0 ? Number(((100 * us) / busy).toFixed(1)) : 0);
  const ranked = (m: Map<string, number>) => [...m].sort(([, a], [, b]) => b - a).slice(0, top);
  return {
    sampled_ms: ms(sampled),
    busy_ms: ms(busy),
    top_functions: ranked(fns).map(([fn, us]) => ({ fn, self_ms: ms(us), pct_of_busy: pct(us) })),
    top_files: ranked(files).map(([file, us]) => ({ file, self_ms: ms(us), pct_of_busy: pct(us) })),
  };
}
