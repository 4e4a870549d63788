#!/usr/bin/env node
// The test command: `npm test` runs every tier; `npm test -- unit` (or integration, e2e) one tier;
// paths ending in .test.ts run those files. Anything else stops at once with exit 2.
//
// Steps: type-check src, test and bench; check kubectl if a selected file runs it; install the
// system packages (scripts/system-deps.sh); build dist/ when integration or e2e tests will start
// `bin/berth.js`; then the unit tests in parallel (they share nothing) and the rest one file at a
// time (they share containerd's machine-global paths: the shim directory, /var/lib/cni).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBuilt, ROOT } from './build.mjs';
import { addSummaries, kubectlProblem, plan, runsKubectl, SUMMARY_FIELDS, tapSummary, UsageError } from './testplan.mjs';

process.chdir(ROOT);

// `node --test` with no files would discover this script and run it again, nested: refuse.
if (process.env.BERTH_TEST_RUNNER) {
  console.error('scripts/test.mjs: started from inside a test run (node --test found it); refusing to nest');
  process.exit(2);
}

function testFiles(dir) {
  let out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out = out.concat(testFiles(p));
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}
const isFile = (p) => {
  try { return statSync(p).isFile(); } catch { return false; }
};

let files;
try {
  files = plan(process.argv.slice(2), { filesOf: (tier) => testFiles(join('test', tier)), exists: isFile });
} catch (e) {
  if (!(e instanceof UsageError)) throw e;
  console.error(`npm test: ${e.message}`);
  process.exit(2);
}
const all = [...files.parallel, ...files.serial];

// tsc prints its errors on stdout; they are the point, so show them as they come.
console.error('npm test: type-checking src, test and bench (tsc --noEmit -p .)');
const tsc = spawnSync(process.execPath, [join('node_modules', 'typescript', 'bin', 'tsc'), '--noEmit', '-p', '.'], { stdio: 'inherit' });
if (tsc.status !== 0) {
  console.error(`npm test: type errors (tsc exit ${tsc.status ?? tsc.signal}); no tests run`);
  process.exit(1);
}

const needKubectl = all.filter((f) => runsKubectl(readFileSync(f, 'utf8')));
if (needKubectl.length) {
  const v = spawnSync('kubectl', ['version', '--client', '-o', 'json'], { encoding: 'utf8' });
  const problem = kubectlProblem(v.error ? undefined : v.stdout, needKubectl);
  if (problem) {
    console.error(`npm test: ${problem}`);
    process.exit(1);
  }
}

// System packages (etcd, containerd, ...): installed with apt when missing and run as root.
const deps = spawnSync('bash', ['scripts/system-deps.sh'], { stdio: 'inherit' });
if (deps.status !== 0) process.exit(deps.status ?? 1);

// Integration and e2e tests start `bin/berth.js`, which runs dist/: build it once here rather
// than in the first kubelet a test starts (and under its timeout).
if (files.serial.length) {
  try {
    ensureBuilt({ log: (m) => console.error(`npm test: ${m}`) });
  } catch (e) {
    console.error(`npm test: ${e.message}`);
    process.exit(1);
  }
}

const reports = mkdtempSync(join(tmpdir(), 'berth-test-reports-'));
// The terminal gets node's usual reporter (spec on a TTY, TAP otherwise); a TAP copy goes to a
// file, for the summary of both runs at the end.
const reporter = process.stdout.isTTY ? 'spec' : 'tap';

function runNodeTest(name, testFiles, concurrency) {
  const tap = join(reports, `${name}.tap`);
  const args = [
    '--import', 'tsx', '--test', `--test-concurrency=${concurrency}`,
    `--test-reporter=${reporter}`, '--test-reporter-destination=stdout',
    '--test-reporter=tap', `--test-reporter-destination=${tap}`,
    ...testFiles,
  ];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: 'inherit', env: { ...process.env, BERTH_TEST_RUNNER: '1' } });
    child.on('exit', (code, signal) => {
      let text = '';
      try { text = readFileSync(tap, 'utf8'); } catch { /* the run died before reporting */ }
      resolve({ name, ok: code === 0, code: code ?? signal, summary: tapSummary(text) });
    });
  });
}

const t0 = performance.now();
const runs = [];
const concurrency = Math.max(2, availableParallelism());
if (files.parallel.length) runs.push(await runNodeTest('unit', files.parallel, concurrency));
if (files.serial.length) runs.push(await runNodeTest('serial', files.serial, 1));
rmSync(reports, { recursive: true, force: true });

const ok = runs.every((r) => r.ok);
if (runs.length > 1) {
  // Both runs printed their own summary; the last lines add them up, in the reporter's format.
  const count = (n) => `${n} file${n === 1 ? '' : 's'}`;
  const what = runs.map((r) => `${r.name === 'unit' ? `unit tests (${count(files.parallel.length)}, ${concurrency} at a time)` : `integration/e2e tests (${count(files.serial.length)}, one at a time)`}: ${r.ok ? 'passed' : `FAILED (exit ${r.code})`}`);
  const prefix = reporter === 'spec' ? 'ℹ ' : '# ';
  const lines = [`${prefix}all runs: ${what.join('; ')}`];
  const summaries = runs.map((r) => r.summary);
  if (summaries.every(Boolean)) {
    const total = addSummaries(summaries, performance.now() - t0);
    for (const f of SUMMARY_FIELDS) lines.push(`${prefix}${f} ${total[f]}`);
  } else {
    lines.push(`${prefix}a run ended without a summary (it crashed or was killed)`);
  }
  console.log(lines.join('\n'));
}
process.exit(ok ? 0 : 1);
