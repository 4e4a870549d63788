import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isStatusError } from '../../../src/api/errors.ts';
import { admitDefaultTolerationSeconds, admitPodCreate, admitPriority, admitServiceAccount, randomSuffix } from '../../../src/apiserver/admission/index.ts';

const sa = { metadata: { name: 'default', namespace: 'ns' } };
const newPod = (spec: any = {}): any => ({ metadata: { name: 'p', namespace: 'ns' }, spec: { containers: [{ name: 'c', image: 'x' }], ...spec } });

test('ServiceAccount admission defaults the account and mounts the API token volume everywhere', () => {
  const pod = newPod({ initContainers: [{ name: 'i', image: 'x' }] });
  admitServiceAccount(pod, { serviceAccount: sa, suffix: () => 'x7k2p' });
  assert.equal(pod.spec.serviceAccountName, 'default');
  assert.equal(pod.spec.serviceAccount, 'default');
  assert.deepEqual(pod.spec.volumes, [
    {
      name: 'kube-api-access-x7k2p',
      projected: {
        defaultMode: 420,
        sources: [
          { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
          { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
          { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
        ],
      },
    },
  ]);
  const mount = { name: 'kube-api-access-x7k2p', readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' };
  assert.deepEqual(pod.spec.containers[0].volumeMounts, [mount]);
  assert.deepEqual(pod.spec.initContainers[0].volumeMounts, [mount]);
});

test('automount can be turned off by the pod or the account; the pod wins', () => {
  const off = newPod({ automountServiceAccountToken: false });
  admitServiceAccount(off, { serviceAccount: sa });
  assert.equal(off.spec.volumes, undefined);
  const saOff = newPod();
  admitServiceAccount(saOff, { serviceAccount: { ...sa, automountServiceAccountToken: false } });
  assert.equal(saOff.spec.volumes, undefined);
  const podOn = newPod({ automountServiceAccountToken: true });
  admitServiceAccount(podOn, { serviceAccount: { ...sa, automountServiceAccountToken: false } });
  assert.equal(podOn.spec.volumes.length, 1);
});

test('a missing service account is refused as upstream; imagePullSecrets come from the account', () => {
  assert.throws(
    () => admitServiceAccount(newPod({ serviceAccountName: 'robot' }), { serviceAccount: undefined }),
    (e: unknown) => isStatusError(e, 'Forbidden') && e.message === 'pods "p" is forbidden: error looking up service account ns/robot: serviceaccount "robot" not found',
  );
  const pod = newPod();
  admitServiceAccount(pod, { serviceAccount: { ...sa, imagePullSecrets: [{ name: 'reg' }] } });
  assert.deepEqual(pod.spec.imagePullSecrets, [{ name: 'reg' }]);
});

test('mirror pods skip service accounts', () => {
  const pod = newPod();
  pod.metadata.annotations = { 'kubernetes.io/config.mirror': 'hash' };
  admitServiceAccount(pod, { serviceAccount: undefined });
  assert.equal(pod.spec.serviceAccountName, undefined);
});

test('DefaultTolerationSeconds adds 300 s tolerations unless present', () => {
  const pod = newPod();
  admitDefaultTolerationSeconds(pod);
  assert.deepEqual(pod.spec.tolerations, [
    { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
  ]);
  const own = newPod({ tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 5 }] });
  admitDefaultTolerationSeconds(own);
  assert.equal(own.spec.tolerations.length, 2);
  assert.equal(own.spec.tolerations[0].tolerationSeconds, 5);
  const all = newPod({ tolerations: [{ operator: 'Exists' }] });
  admitDefaultTolerationSeconds(all);
  assert.equal(all.spec.tolerations.length, 1);
});

test('Priority resolves the system classes and refuses unknown ones or conflicting values', () => {
  const pod = newPod();
  admitPriority(pod);
  assert.equal(pod.spec.priority, 0);
  assert.equal(pod.spec.preemptionPolicy, 'PreemptLowerPriority');
  const critical = newPod({ priorityClassName: 'system-node-critical' });
  admitPriority(critical);
  assert.equal(critical.spec.priority, 2000001000);
  assert.throws(() => admitPriority(newPod({ priorityClassName: 'gold' })), /pods "p" is forbidden: no PriorityClass with name gold was found/);
  assert.throws(() => admitPriority(newPod({ priority: 5 })), /the integer value of priority \(5\) must not be provided in pod spec; priority admission controller computed 0/);
});

test('the chain applies all three, and random suffixes use upstream\'s alphabet', () => {
  const pod = newPod();
  admitPodCreate(pod, { serviceAccount: sa });
  assert.match(pod.spec.volumes[0].name, /^kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  assert.equal(pod.spec.tolerations.length, 2);
  assert.equal(pod.spec.priority, 0);
  assert.equal(randomSuffix(5, () => 0), 'bbbbb');
});
