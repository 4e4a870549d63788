// The pods/ephemeralcontainers subresource's strategy, as upstream's podEphemeralContainersStrategy
// and ValidatePodEphemeralContainersUpdate: only spec.ephemeralContainers is taken from the request;
// ephemeral containers may be added, never removed nor changed, and carry no ports, probes,
// lifecycle nor resources; names are unique across all containers; the target must exist.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fieldErrorMessage } from '../../../src/api/validation/field.ts';
import { strategyFor } from '../../../src/apiserver/registry/strategies/index.ts';

const pods = strategyFor('', 'pods');
const sub = pods.subresourceUpdates!.ephemeralcontainers;

function basePod(): any {
  const pod: any = {
    metadata: { name: 'p', namespace: 'default', uid: 'u1', labels: { app: 'web' } },
    spec: { containers: [{ name: 'c', image: 'x:1' }], initContainers: [{ name: 'i', image: 'x:1' }] },
  };
  pods.prepareForCreate!(pod);
  pod.status.phase = 'Running';
  return pod;
}

const debug = (extra: object = {}) => ({ name: 'debugger', image: 'busybox', ...extra });

/** The pod after the request `mutate` made of old, and the errors of that update. */
function update(mutate: (p: any) => void, old = basePod()): { pod: any; errs: string[] } {
  const pod = structuredClone(old);
  mutate(pod);
  sub.prepareForUpdate(pod, old);
  return { pod, errs: sub.validateUpdate(pod, old).map(fieldErrorMessage) };
}

test('adding one is allowed and defaulted; everything else of the request is dropped', () => {
  const { pod, errs } = update((p) => {
    p.spec.ephemeralContainers = [debug({ targetContainerName: 'c' })];
    p.spec.containers[0].image = 'x:2';
    p.metadata.labels = { app: 'changed' };
    p.status.phase = 'Failed';
  });
  assert.deepEqual(errs, []);
  assert.equal(pod.spec.ephemeralContainers[0].targetContainerName, 'c');
  assert.equal(pod.spec.ephemeralContainers[0].terminationMessagePath, '/dev/termination-log', 'defaulted as any container');
  assert.equal(pod.spec.containers[0].image, 'x:1');
  assert.deepEqual(pod.metadata.labels, { app: 'web' });
  assert.equal(pod.status.phase, 'Running');
});

test('existing ones may not be removed nor changed; reordering is fine', () => {
  const { pod: withOne } = update((p) => (p.spec.ephemeralContainers = [debug()]));
  const { pod: withTwo } = update((p) => p.spec.ephemeralContainers.push(debug({ name: 'second' })), withOne);
  assert.deepEqual(update((p) => p.spec.ephemeralContainers.reverse(), withTwo).errs, []);
  assert.deepEqual(update((p) => (p.spec.ephemeralContainers = []), withOne).errs, [
    'spec.ephemeralContainers: Forbidden: existing ephemeral containers "debugger" may not be removed\n',
  ]);
  const [changed] = update((p) => (p.spec.ephemeralContainers[0].image = 'busybox:2'), withOne).errs;
  assert.match(changed, /^spec\.ephemeralContainers\[debugger\]: Forbidden: existing ephemeral containers "debugger" may not be changed\n/);
  assert.match(changed, /image: "busybox"\n\+ .*image: "busybox:2"/);
});

test('ports, probes, lifecycle, resources and subPath mounts are refused, each by its field', () => {
  const old = basePod();
  old.spec.volumes = [{ name: 'v', emptyDir: {} }];
  const { errs } = update((p) => {
    p.spec.ephemeralContainers = [debug({
      ports: [{ containerPort: 80 }],
      readinessProbe: { exec: { command: ['true'] } },
      lifecycle: { preStop: { exec: { command: ['true'] } } },
      resources: { limits: { cpu: '1' } },
      volumeMounts: [{ name: 'v', mountPath: '/v', subPath: 'x' }],
    })];
  }, old);
  const p = 'spec.ephemeralContainers[0]';
  assert.deepEqual(errs.sort(), [
    `${p}.lifecycle: Forbidden: cannot be set for an Ephemeral Container`,
    `${p}.ports: Forbidden: cannot be set for an Ephemeral Container`,
    `${p}.readinessProbe: Forbidden: cannot be set for an Ephemeral Container`,
    `${p}.resources: Forbidden: cannot be set for an Ephemeral Container`,
    `${p}.volumeMounts[0].subPath: Forbidden: cannot be set for an Ephemeral Container`,
  ]);
});

test('names are unique across all containers; the target must be a container or init container', () => {
  assert.deepEqual(update((p) => (p.spec.ephemeralContainers = [debug({ name: 'c' })])).errs, ['spec.ephemeralContainers[0].name: Duplicate value: "c"']);
  assert.deepEqual(update((p) => (p.spec.ephemeralContainers = [debug({ name: 'i', targetContainerName: 'i' })])).errs, ['spec.ephemeralContainers[0].name: Duplicate value: "i"']);
  assert.deepEqual(update((p) => (p.spec.ephemeralContainers = [debug({ targetContainerName: 'nope' })])).errs, [
    'spec.ephemeralContainers[0].targetContainerName: Not found: "nope"',
  ]);
  assert.deepEqual(update((p) => (p.spec.ephemeralContainers = [debug({ name: 'Bad_Name', image: '' })])).errs.sort(), [
    'spec.ephemeralContainers[0].image: Required value',
    'spec.ephemeralContainers[0].name: Invalid value: "Bad_Name": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or \'-\', and must start and end with an alphanumeric character (e.g. \'my-name\',  or \'123-abc\', regex used for validation is \'[a-z0-9]([-a-z0-9]*[a-z0-9])?\')',
  ]);
});

test('a static pod\'s mirror takes none', () => {
  const old = basePod();
  old.metadata.annotations = { 'kubernetes.io/config.mirror': 'hash' };
  assert.deepEqual(update((p) => (p.spec.ephemeralContainers = [debug()]), old).errs, [': Forbidden: static pods do not support ephemeral containers']);
});

test('only the subresource sets them: pod creation and main-resource updates are refused', () => {
  const pod: any = { metadata: { name: 'p', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'x:1' }], ephemeralContainers: [debug({ ports: [{ containerPort: 80 }] })] } };
  pods.prepareForCreate!(pod);
  assert.deepEqual(pods.validate!(pod).map(fieldErrorMessage).sort(), [
    'spec.ephemeralContainers: Forbidden: cannot be set on create',
    'spec.ephemeralContainers[0].ports: Forbidden: cannot be set for an Ephemeral Container',
  ]);
  const old = basePod();
  const updated = structuredClone(old);
  updated.spec.ephemeralContainers = [debug()];
  pods.prepareForUpdate!(updated, old);
  const [err] = pods.validateUpdate!(updated, old).map(fieldErrorMessage);
  assert.match(err, /^spec: Forbidden: pod updates may not change fields other than /);
  assert.match(err, /\+ spec\.ephemeralContainers/);
});
