#!/usr/bin/env node
// `npm run build` (also `prepare`, so `npm ci` builds): src/ to dist/ as plain JavaScript, so that
// `berth` runs with no TypeScript loader. tsc emits the .ts files (relative imports rewritten to
// .js); the files src loads by path (the .proto files, the stats UI page) are copied beside them.
//
// dist/.build-stamp.json holds a fingerprint of the inputs (path, size and mtime of every file
// under src/, the tsconfigs and this script) taken before tsc ran: bin/berth.js compares it with
// the inputs as they are now and rebuilds when they differ, so a stale build never runs. A
// fingerprint rather than "newest mtime" also catches deleted files and mtimes that went back.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, copyFileSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const STAMP = '.build-stamp.json';
const TSBUILDINFO = '.tsbuildinfo';
const LOCK = '.berth-build.lock';

/** Every file under dir, as paths relative to dir with '/' separators, sorted. */
export function listFiles(dir) {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath ?? e.path, e.name)).split(sep).join('/'))
    .sort();
}

/** The build's inputs: the sources, the compiler settings and this script (paths relative to root). */
export function inputFiles(root = ROOT) {
  return [...listFiles(join(root, 'src')).map((f) => `src/${f}`), 'tsconfig.json', 'tsconfig.build.json', 'scripts/build.mjs'];
}

/** A hash of each input's path, size and mtime (a stat per file, no reads). */
export function fingerprint(root = ROOT) {
  const h = createHash('sha256');
  for (const f of inputFiles(root)) {
    const st = statSync(join(root, f));
    h.update(`${f}\0${st.size}\0${st.mtimeMs}\n`);
  }
  return h.digest('hex');
}

/**
 * Files in dist/ that no input accounts for (a .ts since deleted, an asset removed): what tsc's
 * emit and the asset copy would not produce from srcFiles. Both lists are relative to their
 * folders. Pure.
 */
export function orphans(distFiles, srcFiles) {
  const wanted = new Set([STAMP, TSBUILDINFO]);
  for (const f of srcFiles) {
    if (f.endsWith('.d.ts')) continue;
    if (f.endsWith('.ts')) {
      const js = `${f.slice(0, -3)}.js`;
      wanted.add(js).add(`${js}.map`);
    } else {
      wanted.add(f);
    }
  }
  return distFiles.filter((f) => !wanted.has(f));
}

/** 'fresh', or why dist/ cannot run as it is: 'missing' (no complete build) or 'stale'. */
export function buildState(root = ROOT) {
  let stamp;
  try {
    stamp = JSON.parse(readFileSync(join(root, 'dist', STAMP), 'utf8'));
  } catch {
    return 'missing';
  }
  if (!existsSync(join(root, 'dist', 'cli', 'main.js'))) return 'missing';
  return stamp.fingerprint === fingerprint(root) ? 'fresh' : 'stale';
}

/** Compiles src/ into dist/, copies the runtime assets and writes the stamp. Throws with tsc's output on error. */
export function build(root = ROOT) {
  const dist = join(root, 'dist');
  const fp = fingerprint(root);
  // Without a stamp the last build did not finish (or dist/ was edited): tsc's incremental state
  // could then skip files whose output is gone, so start over.
  if (!existsSync(join(dist, STAMP))) rmSync(dist, { recursive: true, force: true });
  rmSync(join(dist, STAMP), { force: true });
  let tsc;
  try {
    tsc = createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc');
  } catch {
    throw new Error('cannot build dist/: the TypeScript compiler is not installed (run `npm ci`)');
  }
  const r = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tsc -p tsconfig.build.json failed (exit ${r.status ?? r.signal}):\n${r.stdout}${r.stderr}`);
  const srcFiles = listFiles(join(root, 'src'));
  for (const f of srcFiles.filter((x) => !x.endsWith('.ts'))) {
    mkdirSync(dirname(join(dist, f)), { recursive: true });
    copyFileSync(join(root, 'src', f), join(dist, f));
  }
  for (const f of orphans(listFiles(dist), srcFiles)) rmSync(join(dist, f));
  writeFileSync(join(dist, STAMP), `${JSON.stringify({ fingerprint: fp, builtAt: new Date().toISOString() })}\n`);
}

const pidAlive = (pid) => {
  try { process.kill(pid, 0); return true; } catch (e) { return e.code === 'EPERM'; }
};

/** Runs fn holding the build lock (a file with the holder's pid; one left by a dead process is taken over). */
function withLock(root, fn) {
  const file = join(root, LOCK);
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
      let holder = 0;
      try { holder = Number(readFileSync(file, 'utf8')); } catch { continue; }
      if (!holder || !pidAlive(holder)) { rmSync(file, { force: true }); continue; }
      if (Date.now() > deadline) throw new Error(`another build (pid ${holder}, ${file}) has not finished in 120 s`);
      // Another process is building: wait for it (synchronously; nothing else runs yet).
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    }
  }
  try {
    return fn();
  } finally {
    rmSync(file, { force: true });
  }
}

/**
 * Builds unless dist/ is fresh; `log` hears why. Several processes may start at once (a test
 * spawning kubelets): one builds, the others wait for it and then find dist/ fresh.
 */
export function ensureBuilt({ root = ROOT, log = () => {} } = {}) {
  const state = buildState(root);
  if (state === 'fresh') return;
  withLock(root, () => {
    const now = buildState(root);
    if (now === 'fresh') return;
    log(now === 'missing' ? 'no build in dist/: building it (npm run build)' : 'src/ changed since the last build: rebuilding dist/ (npm run build)');
    const t0 = performance.now();
    build(root);
    log(`built dist/ in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    withLock(ROOT, () => build(ROOT));
  } catch (e) {
    console.error(`build: ${e.message}`);
    process.exit(1);
  }
}
