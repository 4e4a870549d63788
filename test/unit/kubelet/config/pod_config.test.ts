import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Pod } from '../../../../src/api/core/index.ts';
import { isMirrorPod, isStaticPod } from '../../../../src/api/pod/index.ts';
import { FakeClock } from '../../../../src/kubelet/clock.ts';
import { PodConfig, rfc3339Nano, type PodChange } from '../../../../src/kubelet/config/pod_config.ts';
import { podSource } from '../../../../src/kubelet/config/types.ts';

function pod(uid: string, name = uid, extra: Partial<Pod> = {}): Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { uid, name, namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'i' }] }, ...extra };
}
const summary = (changes: PodChange[]) => changes.map((c) => `${c.op}:${c.source}:${c.pods.map((p) => p.metadata.uid).join(',')}`);

test('merge: add, update, reconcile, graceful delete and remove, per source, in upstream order', async () => {
  const clock = new FakeClock(Date.UTC(2026, 0, 2, 3, 4, 5, 120));
  const seen: PodChange[][] = [];
  const config = new PodConfig({ now: () => clock.now(), onChange: (c) => seen.push(c) });

  assert.deepEqual(summary(config.apply({ op: 'SET', source: 'api', pods: [pod('a'), pod('b')] })), ['ADD:api:a,b']);
  const a = config.pod('a')!;
  assert.equal(a.metadata.annotations!['kubernetes.io/config.source'], 'api');
  assert.equal(a.metadata.annotations!['kubernetes.io/config.seen'], '2026-01-02T03:04:05.12Z');

  // The same set again: nothing to do, and no callback.
  assert.deepEqual(config.apply({ op: 'SET', source: 'api', pods: [pod('a'), pod('b')] }), []);
  assert.equal(seen.length, 1);

  await clock.advance(60_000);
  const a2 = pod('a', 'a', { spec: { containers: [{ name: 'c', image: 'j' }] } });
  const b2 = pod('b', 'b', { status: { phase: 'Running' } });
  assert.deepEqual(summary(config.apply({ op: 'SET', source: 'api', pods: [a2, b2, pod('c')] })), ['ADD:api:c', 'UPDATE:api:a', 'RECONCILE:api:b']);
  // First-seen time survives an update.
  assert.equal(config.pod('a')!.metadata.annotations!['kubernetes.io/config.seen'], '2026-01-02T03:04:05.12Z');
  assert.equal(config.pod('a')!.spec.containers[0].image, 'j');

  const deleting = pod('a', 'a', { spec: a2.spec });
  deleting.metadata.deletionTimestamp = '2026-01-02T03:06:00Z';
  deleting.metadata.deletionGracePeriodSeconds = 30;
  assert.deepEqual(summary(config.apply({ op: 'SET', source: 'api', pods: [deleting, b2] })), ['REMOVE:api:c', 'DELETE:api:a']);
  assert.deepEqual(summary(config.apply({ op: 'SET', source: 'api', pods: [b2] })), ['REMOVE:api:a']);
  assert.deepEqual([...config.pods().keys()], ['b']);
  assert.equal(seen.length, 4);
});

test('merge: sources are kept apart; the first empty SET still says the source was seen', () => {
  const config = new PodConfig({ now: () => new Date(0) });
  assert.equal(config.seenAllSources(['file', 'api']), false);
  assert.deepEqual(summary(config.apply({ op: 'SET', source: 'file', pods: [] })), ['ADD:file:']);
  assert.deepEqual(config.apply({ op: 'SET', source: 'file', pods: [] }), []);
  config.apply({ op: 'SET', source: 'file', pods: [pod('f1')] });
  config.apply({ op: 'SET', source: 'api', pods: [pod('a1')] });
  assert.equal(config.seenAllSources(['file', 'api']), true);
  // An api SET without f1 does not touch the file source's pod.
  assert.deepEqual(summary(config.apply({ op: 'SET', source: 'api', pods: [] })), ['REMOVE:api:a1']);
  assert.deepEqual([...config.pods().keys()], ['f1']);
  assert.equal(podSource(config.pod('f1')!), 'file');
  assert.equal(isStaticPod(config.pod('f1')!), true);
  assert.deepEqual(config.sourcePods('api'), []);
});

test('merge: a second pod with the same name in a source is refused and reported', () => {
  const errors: string[] = [];
  const config = new PodConfig({ onError: (s, m) => errors.push(`${s}: ${m}`) });
  const changes = config.apply({ op: 'SET', source: 'file', pods: [pod('u1', 'web'), pod('u2', 'web'), pod('u3', 'db')] });
  assert.deepEqual(summary(changes), ['ADD:file:u1,u3']);
  assert.equal(errors.length, 1);
  assert.match(errors[0], /^file: pod "web_default" from source file is a duplicate/);
});

test('helpers: static, mirror and source by annotation; RFC 3339 nano timestamps', () => {
  const mirror = pod('m');
  mirror.metadata.annotations = { 'kubernetes.io/config.mirror': 'abc', 'kubernetes.io/config.source': 'api' };
  assert.equal(isMirrorPod(mirror), true);
  assert.equal(isStaticPod(mirror), false);
  assert.equal(podSource(pod('x')), 'api');
  assert.equal(isMirrorPod(pod('x')), false);
  assert.equal(rfc3339Nano(new Date(Date.UTC(2026, 0, 1, 0, 0, 0, 0))), '2026-01-01T00:00:00Z');
  assert.equal(rfc3339Nano(new Date(Date.UTC(2026, 0, 1, 0, 0, 0, 5))), '2026-01-01T00:00:00.005Z');
});

test('merge: the same object handed over again is taken as unchanged; a new object is compared', () => {
  const config = new PodConfig();
  const a = pod('a');
  config.apply({ op: 'SET', source: 'api', pods: [a] });
  const stored = config.pod('a');
  assert.deepEqual(config.apply({ op: 'SET', source: 'api', pods: [a, pod('b')] }).map((c) => c.op), ['ADD']);
  assert.equal(config.pod('a'), stored);
  const a2 = pod('a', 'a', { status: { phase: 'Running' } });
  assert.deepEqual(summary(config.apply({ op: 'SET', source: 'api', pods: [a2, config.sourcePods('api')[1]] })), ['RECONCILE:api:a']);
  assert.equal(config.pod('a')!.status?.phase, 'Running');
});
