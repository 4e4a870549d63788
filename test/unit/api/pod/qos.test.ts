// The one QoS class of a pod, as upstream's ComputePodQOS, before and after defaulting alike.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, ResourceRequirements } from '../../../../src/api/core/index.ts';
import { applyPodDefaults } from '../../../../src/api/pod/defaults.ts';
import { podQOSClass } from '../../../../src/api/pod/qos.ts';

const spec = (...resources: ResourceRequirements[]) => ({ containers: resources.map((r, i) => ({ name: `c${i}`, image: 'x:1', resources: r })) });

test('BestEffort, Burstable and Guaranteed', () => {
  assert.equal(podQOSClass(spec({})), 'BestEffort');
  assert.equal(podQOSClass({ containers: [{ name: 'c' }] }), 'BestEffort');
  assert.equal(podQOSClass(spec({ limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '1', memory: '1Gi' } })), 'Guaranteed');
  assert.equal(podQOSClass(spec({ limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '1000m', memory: '1024Mi' } })), 'Guaranteed');
  assert.equal(podQOSClass(spec({ requests: { cpu: '1' } })), 'Burstable');
  assert.equal(podQOSClass(spec({ limits: { cpu: '1' } })), 'Burstable');
  assert.equal(podQOSClass(spec({ limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '500m' } })), 'Burstable');
});

test('every container counts, init containers too; ephemeral ones have no resources', () => {
  const guaranteed = { limits: { cpu: '1', memory: '1Gi' } };
  assert.equal(podQOSClass(spec(guaranteed, guaranteed)), 'Guaranteed');
  assert.equal(podQOSClass(spec(guaranteed, {})), 'Burstable');
  assert.equal(podQOSClass({ ...spec(guaranteed), initContainers: [{ name: 'i', resources: { requests: { memory: '1Gi' } } }] }), 'Burstable');
});

test('only CPU and memory, and only positive quantities, count', () => {
  assert.equal(podQOSClass(spec({ limits: { 'ephemeral-storage': '1Gi' }, requests: { 'nvidia.com/gpu': '1' } })), 'BestEffort');
  assert.equal(podQOSClass(spec({ requests: { cpu: '0', memory: 0 } })), 'BestEffort');
  // A zero memory limit is no limit: not Guaranteed (the kubelet's old copy said it was).
  assert.equal(podQOSClass(spec({ limits: { cpu: '1', memory: '0' }, requests: { cpu: '1', memory: '0' } })), 'Burstable');
});

// The case where the API server's and the kubelet's copies disagreed: limits without requests.
// Defaulting sets each missing request to its limit, so the pod is Guaranteed once stored; the
// class is the same when computed before defaulting (a static pod's manifest, a test's pod).
test('limits without requests: Guaranteed before defaulting as after', () => {
  const pod: Pod = { metadata: { name: 'p' }, spec: spec({ limits: { cpu: '500m', memory: '128Mi' } }) };
  const before = podQOSClass(pod.spec);
  applyPodDefaults(pod);
  assert.deepEqual(pod.spec.containers[0].resources?.requests, { cpu: '500m', memory: '128Mi' });
  assert.equal(before, 'Guaranteed');
  assert.equal(podQOSClass(pod.spec), 'Guaranteed');
  // A request given for one resource only: the other is defaulted from its limit.
  assert.equal(podQOSClass(spec({ limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '1' } })), 'Guaranteed');
  assert.equal(podQOSClass(spec({ limits: { cpu: '1', memory: '1Gi' }, requests: { memory: '512Mi' } })), 'Burstable');
});
