import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isStatusError } from '../../../src/api/errors.ts';
import { fieldErrorMessage } from '../../../src/api/validation/field.ts';
import { applyBinding, strategyFor } from '../../../src/apiserver/registry/strategies/index.ts';

const pods = strategyFor('', 'pods');

function basePod(): any {
  const pod: any = {
    metadata: { name: 'p', namespace: 'default', uid: 'u1' },
    spec: { containers: [{ name: 'c', image: 'x:1' }], tolerations: [{ key: 'k', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 60 }], activeDeadlineSeconds: 100 },
  };
  pods.prepareForCreate!(pod);
  return pod;
}

function updateErrors(mutate: (p: any) => void): string[] {
  const old = basePod();
  const pod = structuredClone(old);
  mutate(pod);
  pods.prepareForUpdate!(pod, old);
  return pods.validateUpdate!(pod, old).map(fieldErrorMessage);
}

test('image, deadline (down), tolerations (added) and negative grace → 1 may change', () => {
  assert.deepEqual(updateErrors((p) => (p.spec.containers[0].image = 'x:2')), []);
  assert.deepEqual(updateErrors((p) => (p.spec.activeDeadlineSeconds = 50)), []);
  assert.deepEqual(updateErrors((p) => p.spec.tolerations.push({ key: 'other', operator: 'Exists' })), []);
  assert.deepEqual(updateErrors((p) => (p.spec.tolerations[0].tolerationSeconds = 10)), []);
});

test('any other spec change is forbidden with upstream\'s message', () => {
  const errs = updateErrors((p) => (p.spec.restartPolicy = 'Never'));
  assert.equal(errs.length, 1);
  assert.ok(
    errs[0].startsWith(
      'spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)\n',
    ),
  );
  assert.match(errs[0], /- spec\.restartPolicy: "Always"\n\+ spec\.restartPolicy: "Never"/);
});

test('deadline may not grow or be removed; tolerations may not be removed; image may not be emptied', () => {
  assert.deepEqual(updateErrors((p) => (p.spec.activeDeadlineSeconds = 200)), ['spec.activeDeadlineSeconds: Invalid value: 200: must be less than or equal to previous value']);
  assert.deepEqual(updateErrors((p) => delete p.spec.activeDeadlineSeconds), ['spec.activeDeadlineSeconds: Invalid value: null: must not update from a positive integer to nil value']);
  assert.deepEqual(updateErrors((p) => (p.spec.tolerations = [])).slice(0, 1), ['spec.tolerations: Forbidden: existing toleration can not be modified except its tolerationSeconds']);
  assert.deepEqual(updateErrors((p) => (p.spec.containers[0].image = '')), ['spec.containers[0].image: Required value']);
});

test('a main-resource update keeps the status', () => {
  const old = basePod();
  old.status.phase = 'Running';
  const pod = structuredClone(old);
  pod.status = { phase: 'Failed' };
  pods.prepareForUpdate!(pod, old);
  assert.equal(pod.status.phase, 'Running');
});

test('a status update keeps the spec, syncs pod IPs and validates transitions', () => {
  const old = basePod();
  old.spec.restartPolicy = 'Never';
  old.status.containerStatuses = [{ name: 'c', state: { terminated: { exitCode: 1 } } }];
  const pod = structuredClone(old);
  pod.spec.containers[0].image = 'changed';
  pod.metadata.labels = { a: 'b' };
  pod.status = { phase: 'Running', podIP: '10.1.0.4', containerStatuses: [{ name: 'c', state: { running: {} } }] };
  pods.prepareForStatusUpdate!(pod, old);
  assert.equal(pod.spec.containers[0].image, 'x:1');
  assert.deepEqual(pod.metadata.labels, { a: 'b' });
  assert.deepEqual(pod.status.podIPs, [{ ip: '10.1.0.4' }]);
  assert.equal(pod.status.qosClass, 'BestEffort');
  assert.deepEqual(pods.validateStatusUpdate!(pod, old).map(fieldErrorMessage), ['status.containerStatuses[0].state: Forbidden: may not be transitioned to non-terminated state']);
  pod.status.containerStatuses[0].state = { terminated: { exitCode: 1 } };
  pod.status.podIPs = [{ ip: 'nope' }];
  pod.status.podIP = 'nope';
  assert.match(pods.validateStatusUpdate!(pod, old).map(fieldErrorMessage)[0], /^status\.podIPs\[0\]\.ip: Invalid value: "nope": must be a valid IP address/);
});

test('binding sets the node and the PodScheduled condition, once', () => {
  const pod = basePod();
  const bound = applyBinding(pod, { metadata: { name: 'p', annotations: { a: '1' } }, target: { kind: 'Node', name: 'n1' } }, new Date('2024-05-01T00:00:00Z'));
  assert.equal(bound.spec.nodeName, 'n1');
  assert.equal(bound.metadata.annotations?.a, '1');
  assert.deepEqual(bound.status?.conditions, [{ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: '2024-05-01T00:00:00Z' }]);
  assert.equal(pod.spec.nodeName, undefined, 'input is not mutated');
  assert.throws(
    () => applyBinding(bound, { metadata: { name: 'p' }, target: { name: 'n2' } }),
    (e: unknown) => isStatusError(e, 'Conflict') && e.code === 409 && e.message === 'Operation cannot be fulfilled on pods/binding "p": pod p is already assigned to node "n1"',
  );
  assert.throws(() => applyBinding(pod, { metadata: { name: 'p' }, target: { kind: 'Pod', name: 'n' } }), (e: unknown) => isStatusError(e, 'Invalid') && /target\.kind: Unsupported value: "Pod"/.test(e.message));
  const deleting = { ...pod, metadata: { ...pod.metadata, deletionTimestamp: '2024-01-01T00:00:00Z' } };
  assert.throws(() => applyBinding(deleting, { metadata: { name: 'p' }, target: { name: 'n' } }), /pod p is being deleted, cannot be assigned to a host/);
});
