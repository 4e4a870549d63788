import { readFileSync, readdirSync } from 'node:fs';
const [dir, from, to, top, filter] = process.argv.slice(2);
const f = readdirSync(dir).filter(f=>f.endsWith('.cpuprofile'))[0];
const p = JSON.parse(readFileSync(dir + '/' + f, 'utf8'));
const parent = new Map<number, number>();
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const byId = new Map(p.nodes.map((n: any) => [n.id, n]));
const name = (n: any) => { const u = (n.callFrame.url || '').replace(/^file:\/\//,''); const s = u.search(/\/(src|node_modules)\//); return `${n.callFrame.functionName || '(anon)'} ${s>=0?u.slice(s+1):u}`; };
const incl = new Map<string, number>();
let t = p.startTime, busy = 0;
for (let i = 0; i < p.samples.length; i++) {
  t += p.timeDeltas[i] ?? 0;
  const span = p.timeDeltas[i + 1] ?? 0;
  if (t < Number(from) || t >= Number(to)) continue;
  let id = p.samples[i];
  const leaf = byId.get(id) as any;
  if (leaf.callFrame.functionName === '(idle)') continue;
  busy += span;
  const seen = new Set<string>();
  while (id !== undefined) { const k = name(byId.get(id)); if (!seen.has(k)) { seen.add(k); incl.set(k, (incl.get(k) ?? 0) + span); } id = parent.get(id)!; }
}
console.log('busy ms', (busy/1000).toFixed(0));
for (const [k, us] of [...incl].filter(([k]) => !filter || k.includes(filter)).sort((a, b) => b[1] - a[1]).slice(0, Number(top ?? 60))) console.log((us/1000).toFixed(0).padStart(6), k);
