// Upstream's node conformance cases, ported (issue #14; the table is docs/conformance.md). Every
// case file in test/e2e/conformance/ runs here, in one process on one cluster: the cases spend
// most of their time waiting on pods, so running them side by side takes minutes where a cluster
// per file, one file after another, took tens of minutes.
//
// BERTH_CONFORMANCE=container_probe,secrets npm test -- test/e2e/conformance.test.ts runs some files.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe } from 'node:test';
import { startConformance } from './conformance/framework.ts';

const dir = join(import.meta.dirname, 'conformance');
const only = process.env.BERTH_CONFORMANCE?.split(',').map((s) => s.trim()).filter(Boolean);
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.cases.ts'))
  .map((f) => f.slice(0, -'.cases.ts'.length))
  .sort();
const unknown = only?.filter((name) => !files.includes(name)) ?? [];
if (unknown.length) throw new Error(`BERTH_CONFORMANCE names no case file: ${unknown.join(', ')} (there are: ${files.join(', ')})`);

// Three files at a time, each running all its cases at once: about 20–40 pods live together,
// which two shared cores start without the probes' timing bounds slipping.
describe('node conformance', { concurrency: 3 }, async () => {
  let run: Awaited<ReturnType<typeof startConformance>>;
  before(async () => { run = await startConformance(); });
  after(async () => { await run?.stop(); });
  for (const name of files.filter((f) => !only || only.includes(f))) await import(join(dir, `${name}.cases.ts`));
});
