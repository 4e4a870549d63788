// scripts/testplan.mjs: what `npm test -- ARGS` runs, and the kubectl it needs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addSummaries, kubectlProblem, plan, runsKubectl, tapSummary, UsageError } from '../../../scripts/testplan.mjs';

const tree: Record<string, string[]> = {
  unit: ['test/unit/a.test.ts', 'test/unit/b/c.test.ts'],
  integration: ['test/integration/cri.test.ts'],
  e2e: ['test/e2e/up.test.ts'],
};
const io = { filesOf: (t: string) => tree[t] ?? [], exists: (p: string) => Object.values(tree).flat().includes(p.replace(/^\.\//, '')) };

test('no selector runs every tier: unit tests in the parallel group, the rest serial', () => {
  assert.deepEqual(plan([], io), { parallel: ['test/unit/a.test.ts', 'test/unit/b/c.test.ts'], serial: ['test/e2e/up.test.ts', 'test/integration/cri.test.ts'] });
});

test('tiers and paths mix, each file once, in the group of its tier', () => {
  assert.deepEqual(plan(['integration', 'test/integration/cri.test.ts', 'test/unit/a.test.ts'], io), { parallel: ['test/unit/a.test.ts'], serial: ['test/integration/cri.test.ts'] });
  assert.deepEqual(plan(['./test/unit/b/c.test.ts'], io), { parallel: ['./test/unit/b/c.test.ts'], serial: [] });
});

test('an unknown selector or a missing file is a usage error naming it and the valid ones', () => {
  for (const [arg, says] of [['units', 'unknown selector "units"'], ['foo.ts', 'unknown selector "foo.ts"'], ['--watch', 'unknown selector "--watch"'], ['test/unit/nope.test.ts', 'no such test file: "test/unit/nope.test.ts"']]) {
    assert.throws(() => plan([arg], io), (e: Error) => e instanceof UsageError && e.message.includes(says) && e.message.includes('unit, integration, e2e') && e.message.includes('.test.ts'));
  }
});

test('a selection with no files is an error, never an empty node --test run', () => {
  assert.throws(() => plan(['unit'], { filesOf: () => [], exists: () => false }), /no test files for "unit"/);
});

test('a file runs kubectl when it spawns it or calls support/kubectl\'s kubectl helpers, not for eventually alone', () => {
  assert.equal(runsKubectl(`await run('kubectl', ['config', 'view'])`), true);
  assert.equal(runsKubectl(`spawn("kubectl", args)`), true);
  assert.equal(runsKubectl(`const out = await kubectlOk(kc, ['get', 'pods']);`), true);
  assert.equal(runsKubectl(`kubectlStream(kc, ['get', '-w'])`), true);
  assert.equal(runsKubectl(`import { eventually } from '../support/kubectl.ts';\nawait eventually(() => true);`), false);
  assert.equal(runsKubectl(`// as kubectl describe prints them`), false);
});

test('kubectl must be there and be v1.32', () => {
  const files = ['test/e2e/a.test.ts'];
  assert.match(kubectlProblem(undefined, files)!, /^kubectl not found: 1 selected test file\(s\) run the real kubectl v1\.32 \(test\/e2e\/a\.test\.ts\); install kubectl v1\.32/);
  const v = (minor: string, gitVersion = `v1.${minor}`) => JSON.stringify({ clientVersion: { major: '1', minor, gitVersion } });
  assert.equal(kubectlProblem(v('32'), files), undefined);
  assert.equal(kubectlProblem(v('32+', 'v1.32.4-dispatcher'), files), undefined);
  assert.match(kubectlProblem(v('29', 'v1.29.3'), files)!, /kubectl is v1\.29\.3, not v1\.32/);
  assert.match(kubectlProblem('error: unknown flag', files)!, /printed no version/);
});

const tap = (pass: number, fail: number, ms: number) => `ok 1 - x\n1..1\n# tests ${pass + fail}\n# suites 1\n# pass ${pass}\n# fail ${fail}\n# cancelled 0\n# skipped 0\n# todo 0\n# duration_ms ${ms}\n`;

test('the summaries of two runs add up; a run without one says so', () => {
  const a = tapSummary(tap(10, 0, 1234.5))!;
  const b = tapSummary(tap(3, 1, 99))!;
  assert.deepEqual(a, { tests: 10, suites: 1, pass: 10, fail: 0, cancelled: 0, skipped: 0, todo: 0, duration_ms: 1234.5 });
  assert.deepEqual(addSummaries([a, b], 5000), { tests: 14, suites: 2, pass: 13, fail: 1, cancelled: 0, skipped: 0, todo: 0, duration_ms: 5000 });
  assert.equal(tapSummary('ok 1 - x\n# Subtest: y\n'), undefined);
});
