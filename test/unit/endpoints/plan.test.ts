import { test } from 'node:test';
import assert from 'node:assert/strict';
import { desiredEndpoints } from '../../../src/controllers/endpoints/desired.ts';
import { planEndpoints } from '../../../src/controllers/endpoints/plan.ts';
import { TriggerTimeTracker, formatTriggerTime } from '../../../src/controllers/endpoints/trigger_time.ts';
import { pod, service } from './fixtures.ts';

const trigger = 'endpoints.kubernetes.io/last-change-trigger-time';

test('creates the Endpoints with the service labels and the trigger time', () => {
  const svc = service('web', {}, { app: 'web', tier: 'front' });
  const subsets = desiredEndpoints(svc, [pod('a')])!;
  const plan = planEndpoints(svc, undefined, subsets, new Date('2024-01-01T00:00:00.120Z'));
  if (plan.action !== 'create') return assert.fail('expected a create');
  assert.deepEqual(plan.object.metadata, { name: 'web', namespace: 'default', labels: { app: 'web', tier: 'front' }, annotations: { [trigger]: '2024-01-01T00:00:00.12Z' } });
  assert.equal(plan.object.kind, 'Endpoints');
  assert.deepEqual(plan.object.subsets, subsets);
});

test('writes nothing when subsets and labels already match, whatever the trigger time', () => {
  const svc = service('web');
  const subsets = desiredEndpoints(svc, [pod('a')])!;
  const first = planEndpoints(svc, undefined, subsets, new Date());
  assert.notEqual(first.action, 'none');
  const stored = { ...(first as { object: any }).object, metadata: { ...(first as { object: any }).object.metadata, resourceVersion: '5', uid: 'x' } };
  assert.deepEqual(planEndpoints(svc, stored, subsets, new Date()), { action: 'none' });
});

test('updates when a pod turns unready, keeping metadata and clearing a missing trigger time', () => {
  const svc = service('web');
  const before = planEndpoints(svc, undefined, desiredEndpoints(svc, [pod('a')])!, new Date('2024-01-01T00:00:00Z'));
  const stored = { ...(before as { object: any }).object };
  stored.metadata = { ...stored.metadata, resourceVersion: '5', uid: 'x' };
  const plan = planEndpoints(svc, stored, desiredEndpoints(svc, [pod('a', { ready: false })])!, undefined);
  if (plan.action !== 'update') return assert.fail('expected an update');
  assert.equal(plan.object.metadata.uid, 'x');
  assert.equal(plan.object.metadata.resourceVersion, '5');
  assert.equal(plan.object.metadata.annotations, undefined);
  assert.equal(plan.object.subsets?.[0].addresses, undefined);
  assert.equal(plan.object.subsets?.[0].notReadyAddresses?.[0].ip, '10.0.0.1');
});

test('headless services get the headless label; label changes alone cause a write', () => {
  const svc = service('web', { clusterIP: 'None' }, { app: 'web' });
  const created = planEndpoints(svc, undefined, [], undefined);
  if (created.action === 'none') return assert.fail('expected a write');
  assert.deepEqual(created.object.metadata.labels, { app: 'web', 'service.kubernetes.io/headless': '' });
  assert.equal(created.object.subsets, undefined);
  assert.equal(planEndpoints(svc, created.object, [], undefined).action, 'none');
  const relabelled = service('web', { clusterIP: 'None' }, { app: 'web', v: '2' });
  assert.equal(planEndpoints(relabelled, created.object, [], undefined).action, 'update');
});

test('over capacity: truncated and annotated', () => {
  const svc = service('web');
  const pods = Array.from({ length: 1005 }, (_, i) => pod(`p${i}`, { ip: `10.1.${Math.floor(i / 250)}.${i % 250}` }));
  const plan = planEndpoints(svc, undefined, desiredEndpoints(svc, pods)!, undefined);
  if (plan.action === 'none') return assert.fail('expected a write');
  assert.equal(plan.object.subsets?.[0].addresses?.length, 1000);
  assert.equal(plan.object.metadata.annotations?.['endpoints.kubernetes.io/over-capacity'], 'truncated');
  assert.equal(planEndpoints(svc, plan.object, desiredEndpoints(svc, pods)!, undefined).action, 'none');
});

test('trigger time: earliest change since the last sync; nothing changed gives none', () => {
  const tracker = new TriggerTimeTracker();
  const svc = service('web');
  svc.metadata.creationTimestamp = '2024-01-01T00:00:05Z';
  const a = pod('a', { readySince: '2024-01-01T00:00:10Z' });
  assert.equal(tracker.compute('default/web', svc, [a])?.toISOString(), '2024-01-01T00:00:05.000Z');
  assert.equal(tracker.compute('default/web', svc, [a]), undefined);
  const a2 = pod('a', { ready: false, readySince: '2024-01-01T00:01:00Z' });
  const b = pod('b', { readySince: '2024-01-01T00:00:30Z' });
  assert.equal(tracker.compute('default/web', svc, [a2, b])?.toISOString(), '2024-01-01T00:00:30.000Z');
  tracker.forget('default/web');
  assert.equal(tracker.compute('default/web', svc, [a2, b])?.toISOString(), '2024-01-01T00:00:05.000Z');
  assert.equal(formatTriggerTime(new Date('2024-01-01T00:00:10.000Z')), '2024-01-01T00:00:10Z');
  assert.equal(formatTriggerTime(new Date('2024-01-01T00:00:10.500Z')), '2024-01-01T00:00:10.5Z');
});
