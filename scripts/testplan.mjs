// What `npm test -- ARGS` runs, decided without side effects: the selectors, which files need
// kubectl, whether the kubectl found is the one the tests expect, and the summary of several runs.
// scripts/test.mjs does the effects; test/unit/tooling/testplan.test.ts tests these.

export const TIERS = ['unit', 'integration', 'e2e'];

/** The tiers that share nothing between files and so may run in parallel. */
export const PARALLEL_TIERS = new Set(['unit']);

export class UsageError extends Error {}

export const USAGE = `usage: npm test [-- SELECTOR...]
  SELECTOR is a tier (${TIERS.join(', ')}) or a path to a test file ending in .test.ts;
  none runs every tier.`;

const tierOfPath = (path) => TIERS.find((t) => path.replace(/^\.\//, '').startsWith(`test/${t}/`));

/**
 * The files to run for the selectors, split into the parallel group (unit tests) and the serial
 * one (everything else: they share containerd's machine-global paths), each sorted and without
 * repeats. `filesOf(tier)` lists a tier's test files; `exists(path)` says whether a path is a file.
 * Throws UsageError naming the selector for anything else, so an unknown word never turns into an
 * empty run (where `node --test` would go looking for test files on its own).
 */
export function plan(selectors, { filesOf, exists }) {
  const parallel = new Set();
  const serial = new Set();
  const add = (file, tier) => (PARALLEL_TIERS.has(tier) ? parallel : serial).add(file);
  for (const s of selectors.length ? selectors : TIERS) {
    if (TIERS.includes(s)) {
      for (const f of filesOf(s)) add(f, s);
    } else if (s.endsWith('.test.ts')) {
      if (!exists(s)) throw new UsageError(`no such test file: ${JSON.stringify(s)}\n${USAGE}`);
      add(s, tierOfPath(s));
    } else {
      throw new UsageError(`unknown selector ${JSON.stringify(s)}\n${USAGE}`);
    }
  }
  if (parallel.size + serial.size === 0) throw new UsageError(`no test files for ${selectors.map((s) => JSON.stringify(s)).join(' ') || 'any tier'}\n${USAGE}`);
  return { parallel: [...parallel].sort(), serial: [...serial].sort() };
}

/** Whether a test file's source runs the kubectl binary (spawns 'kubectl' or calls support/kubectl's kubectl*). */
export function runsKubectl(source) {
  return /['"`]kubectl['"`]|\bkubectl(Ok|Stream)?\(/.test(source);
}

export const KUBECTL_MINOR = 32;
const KUBECTL_INSTALL = `install kubectl v1.${KUBECTL_MINOR} on the PATH (Debian has none: the release binary https://dl.k8s.io/release/v1.${KUBECTL_MINOR}.0/bin/linux/amd64/kubectl into /usr/local/bin, or the Google Cloud SDK's kubectl package)`;

/**
 * Why the kubectl found will not do for `files`, or undefined when it will. `versionJson` is the
 * output of `kubectl version --client -o json`, or undefined when there is no kubectl.
 */
export function kubectlProblem(versionJson, files) {
  const who = `${files.length} selected test file(s) run the real kubectl v1.${KUBECTL_MINOR} (${files.slice(0, 3).join(', ')}${files.length > 3 ? ', ...' : ''})`;
  if (versionJson === undefined) return `kubectl not found: ${who}; ${KUBECTL_INSTALL}`;
  let v;
  try {
    v = JSON.parse(versionJson).clientVersion;
  } catch {
    return `kubectl version --client -o json printed no version (${JSON.stringify(versionJson.slice(0, 200))}); ${who}; ${KUBECTL_INSTALL}`;
  }
  // minor may carry a '+' (vendor builds): 32+ is still 1.32.
  if (v?.major !== '1' || parseInt(v?.minor, 10) !== KUBECTL_MINOR) return `kubectl is ${v?.gitVersion ?? JSON.stringify(v)}, not v1.${KUBECTL_MINOR}: ${who}; ${KUBECTL_INSTALL}`;
  return undefined;
}

export const SUMMARY_FIELDS = ['tests', 'suites', 'pass', 'fail', 'cancelled', 'skipped', 'todo', 'duration_ms'];

/** The closing counts of a TAP report (`# pass 700` ...), or undefined when it has none (the run died). */
export function tapSummary(tap) {
  const out = {};
  for (const m of tap.matchAll(/^# (tests|suites|pass|fail|cancelled|skipped|todo|duration_ms) ([\d.]+)$/gm)) out[m[1]] = Number(m[2]);
  return SUMMARY_FIELDS.every((f) => f in out) ? out : undefined;
}

/** Several runs' summaries added up (duration is the wall time given, since runs follow each other). */
export function addSummaries(summaries, wallMs) {
  const total = Object.fromEntries(SUMMARY_FIELDS.map((f) => [f, 0]));
  for (const s of summaries) for (const f of SUMMARY_FIELDS) total[f] += s[f];
  total.duration_ms = Number(wallMs.toFixed(3));
  return total;
}
