import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkExitCode, checkTargets, describeChecks, valueAt, type Target } from '../../../bench/lib/targets.ts';

const cpu: Target = { key: 'kubelet_cpu_cores', op: '<', bound: 0.1, at: { pods: 110 }, source: 'test' };
const rss: Target = { key: 'rss.max', op: '<=', bound: 200, source: 'test' };
const ratio: Target = { key: 'p99_ms', op: '<=', bound: { key: 'floor_p99_ms', times: 1.2, plus: 250 }, source: 'test' };

test('valueAt reaches into objects with dots', () => {
  assert.equal(valueAt({ sqlite: { list_ms: 3 } }, 'sqlite.list_ms'), 3);
  assert.equal(valueAt({ sqlite: 1 }, 'sqlite.list_ms'), undefined);
});

test('every target met passes; one missed fails, with the value and the limit', () => {
  assert.equal(checkTargets({ pods: 110, kubelet_cpu_cores: 0.05, rss: { max: 200 } }, [cpu, rss]).verdict, 'pass');
  const { verdict, checks } = checkTargets({ pods: 110, kubelet_cpu_cores: 0.1, rss: { max: 150 } }, [cpu, rss]);
  assert.equal(verdict, 'fail');
  assert.deepEqual(checks[0], { key: 'kubelet_cpu_cores', op: '<', source: 'test', value: 0.1, limit: 0.1, ok: false });
  assert.equal(checks[1]!.ok, true);
});

test('a bound relative to another value of the result (a floor)', () => {
  assert.equal(checkTargets({ p99_ms: 850, floor_p99_ms: 500 }, [ratio]).verdict, 'pass');
  const c = checkTargets({ p99_ms: 851, floor_p99_ms: 500 }, [ratio]);
  assert.equal(c.verdict, 'fail');
  assert.equal(c.checks[0]!.limit, 850);
});

test('a value or a bound that was not measured fails, never passes', () => {
  assert.match(checkTargets({ pods: 110 }, [cpu]).checks[0]!.why!, /kubelet_cpu_cores is not a number/);
  assert.equal(checkTargets({ pods: 110, kubelet_cpu_cores: NaN }, [cpu]).verdict, 'fail');
  assert.match(checkTargets({ p99_ms: 1 }, [ratio]).checks[0]!.why!, /floor_p99_ms is not a number/);
});

test('a target stated for other settings does not apply: neither pass nor fail', () => {
  const { verdict, checks } = checkTargets({ pods: 5, kubelet_cpu_cores: 0.01 }, [cpu]);
  assert.equal(verdict, 'not-applicable');
  assert.equal(checks[0]!.ok, undefined);
  assert.match(checks[0]!.why!, /stated for pods=110; this run had pods=5/);
  // A miss elsewhere still fails the run.
  assert.equal(checkTargets({ pods: 5, kubelet_cpu_cores: 0.01, rss: { max: 300 } }, [cpu, rss]).verdict, 'fail');
});

test('no targets is its own verdict; exit codes 0 pass, 1 fail, 2 otherwise', () => {
  assert.equal(checkTargets({ x: 1 }, []).verdict, 'no-targets');
  assert.deepEqual(['pass', 'fail', 'not-applicable', 'no-targets'].map((v) => checkExitCode(v as never)), [0, 1, 2, 2]);
});

test('each check reads as one line', () => {
  const { checks } = checkTargets({ pods: 110, kubelet_cpu_cores: 0.25, rss: { max: 150 } }, [cpu, rss]);
  assert.deepEqual(describeChecks(checks), ['MISS kubelet_cpu_cores 0.25 < 0.1 [test]', 'ok   rss.max 150 <= 200 [test]']);
});
