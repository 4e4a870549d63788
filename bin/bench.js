#!/usr/bin/env node
// `npm run bench -- NAME [flags] [--check]`: runs bench/NAME.ts, which prints one JSON line of
// results. With --check the result is then held against the targets the benchmark exports beside
// it: exit 1 when one is missed, 2 when it states none (or none that apply to this run), 0 only
// when every target is met. SIGINT or SIGTERM removes what the benchmark started (bench/lib/teardown.ts).
import { register } from 'tsx/esm/api';
import { readdirSync, readFileSync } from 'node:fs';
register();

// A benchmark is a bench/*.ts that exports run(); its helpers live in bench/lib/.
const dir = new URL('../bench/', import.meta.url);
const known = readdirSync(dir)
  .filter((f) => f.endsWith('.ts') && /^export async function run\(/m.test(readFileSync(new URL(f, dir), 'utf8')))
  .map((f) => f.slice(0, -3))
  .sort();
const [name, ...rest] = process.argv.slice(2);
const check = rest.includes('--check');
const args = rest.filter((a) => a !== '--check');
if (!name || !known.includes(name)) {
  console.error(`${name ? `unknown benchmark ${JSON.stringify(name)}\n` : ''}usage: npm run bench -- NAME [flags] [--check] (NAME one of: ${known.join(', ')})`);
  process.exit(2);
}
const bench = await import(new URL(`${name}.ts`, dir).href);
const targets = bench.targets ?? [];
if (check && targets.length === 0) {
  console.error(`bench ${name}: no targets are stated for it (docs/DESIGN.md, README, or its own comments), so --check can neither pass nor fail; add \`export const targets\` beside the benchmark`);
  process.exit(2);
}

const { installSignalTeardown, tearingDown } = await import('../bench/lib/teardown.ts');
installSignalTeardown((line) => console.error(`bench ${name}: ${line}`));
let result;
try {
  result = await bench.run(args);
} catch (err) {
  // Stopped by a signal: what failed is the teardown's doing; let it finish (it exits).
  if (tearingDown()) await tearingDown();
  console.error(`bench ${name}: ${err?.stack ?? err}`);
  process.exit(1);
}
if (tearingDown()) await tearingDown();

if (check) {
  const { checkTargets, checkExitCode, describeChecks } = await import('../bench/lib/targets.ts');
  const { verdict, checks } = checkTargets(result, targets);
  for (const line of describeChecks(checks)) console.error(`bench ${name} --check: ${line}`);
  console.error(`bench ${name} --check: ${verdict}`);
  process.exit(checkExitCode(verdict));
}
