// computePodActions, table-driven: each row is one situation, a small change to a base pod and
// its runtime status, and the actions upstream's computePodActions decides for it (the situations
// and outcomes of kuberuntime_manager_test.go's TestComputePodActions, ...WithInitContainers and
// ...WithRestartableInitContainers, plus host network, deletion and back-off).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RuntimeContainerStatus, RuntimePodStatus, RuntimeSandboxStatus } from '../../../../src/kubelet/container/types.ts';
import {
  computePodActions, containerBackoffKey, latestStatus, type ActionOptions, type BackoffReader, type PodActions,
} from '../../../../src/kubelet/kuberuntime/actions.ts';
import { hashContainer } from '../../../../src/kubelet/kuberuntime/hash.ts';
import type { Container, Pod } from '../../../../src/api/core/index.ts';
import { container, pod } from './helpers.ts';

// ---- builders -------------------------------------------------------------------------------

const SB = 'sb0';
const T0 = new Date('2024-01-01T00:00:00Z');
const at = (s: number) => new Date(T0.getTime() + s * 1000);

function sandbox(over: Partial<RuntimeSandboxStatus> = {}): RuntimeSandboxStatus {
  return { id: SB, state: 'ready', createdAt: T0, attempt: 0, ip: '10.0.0.1', additionalIps: [], hostNetwork: false, ...over };
}

/** A running instance of c, as the runtime reports it (hash of the spec it was created from). */
function running(c: Container, over: Partial<RuntimeContainerStatus> = {}): RuntimeContainerStatus {
  return {
    id: { type: 'containerd', id: `c-${c.name}` }, name: c.name, state: 'running', createdAt: at(1), startedAt: at(1),
    image: c.image ?? '', imageRef: 'sha256:busybox', hash: hashContainer(c), restartCount: 0, ...over,
  };
}

const exited = (exitCode: number): Partial<RuntimeContainerStatus> => ({ state: 'exited', exitCode, finishedAt: at(5) });

function podStatus(p: Pod, containers: RuntimeContainerStatus[]): RuntimePodStatus {
  return {
    uid: p.metadata.uid!, name: p.metadata.name!, namespace: 'default', ips: ['10.0.0.1'],
    sandboxes: [sandbox()], containers, timestamp: at(10),
  };
}

/** Patches the status of the container named `name`. */
function set(s: RuntimePodStatus, name: string, patch: Partial<RuntimeContainerStatus>): void {
  const c = s.containers.find((x) => x.name === name);
  if (!c) throw new Error(`no status for ${name}`);
  Object.assign(c, patch);
}
/** Keeps only the statuses of these containers. */
const only = (s: RuntimePodStatus, ...names: string[]) => { s.containers = s.containers.filter((c) => names.includes(c.name)); };
const setAll = (s: RuntimePodStatus, patch: Partial<RuntimeContainerStatus>) => s.containers.forEach((c) => Object.assign(c, patch));
const noContainers = (s: RuntimePodStatus) => { s.containers = []; };
const sandboxDead = (s: RuntimePodStatus, attempt = 0) => { Object.assign(s.sandboxes[0], { state: 'notready', attempt }); };
const policy = (rp: Pod['spec']['restartPolicy']) => (p: Pod) => { p.spec.restartPolicy = rp; };

/** Three app containers foo1..foo3, all running in one ready sandbox (upstream's makeBasePodAndStatus). */
function basePlain() {
  const p = pod('foo', [container('foo1'), container('foo2'), container('foo3')]);
  return { p, s: podStatus(p, p.spec.containers.map((c) => running(c))) };
}

/** Plus three regular init containers that all exited 0; no app container has been created yet. */
function baseInit() {
  const { p } = basePlain();
  p.spec.initContainers = [container('init1'), container('init2'), container('init3')];
  return { p, s: podStatus(p, p.spec.initContainers.map((c) => running(c, exited(0)))) };
}

/** Three sidecars (sc2 and sc3 with startup and liveness probes), all running; no app container yet. */
function baseSidecars() {
  const { p } = basePlain();
  const probes = { startupProbe: {}, livenessProbe: {} };
  p.spec.initContainers = [
    container('sc1', { restartPolicy: 'Always' }),
    container('sc2', { restartPolicy: 'Always', ...probes }),
    container('sc3', { restartPolicy: 'Always', ...probes }),
  ];
  return { p, s: podStatus(p, p.spec.initContainers.map((c) => running(c))) };
}

/** The app containers' statuses, added to a status that has only init containers. */
const withApps = (patch: Partial<RuntimeContainerStatus>) => (s: RuntimePodStatus, p: Pod) => {
  s.containers.push(...p.spec.containers.map((c) => running(c, patch)));
};

// ---- the table runner -----------------------------------------------------------------------

const noBackoff: BackoffReader = { get: () => 0, isInBackOffSince: () => false };

interface Summary {
  killPod: boolean; createSandbox: boolean; sandboxId: string; attempt: number;
  init: string[]; start: string[]; kill: string[]; waiting: string[];
}
const NOTHING: Summary = { killPod: false, createSandbox: false, sandboxId: SB, attempt: 0, init: [], start: [], kill: [], waiting: [] };
/** Kill everything and start over in a new sandbox. */
const recreate = (attempt: number, more: Partial<Summary> = {}): Partial<Summary> => ({ killPod: true, createSandbox: true, sandboxId: '', attempt, ...more });
/** The sandbox is gone and nothing is to run again: stop what is left, create nothing. */
const finished = (attempt: number): Partial<Summary> => ({ killPod: true, sandboxId: '', attempt });

function summarize(a: PodActions, s: RuntimePodStatus): Summary {
  // Shape checks that hold for every row.
  for (const x of a.initContainersToStart) assert.equal(x.init, true, `${x.container.name} is an init start`);
  for (const x of a.containersToStart) assert.equal(x.init, false, `${x.container.name} is an app start`);
  for (const k of a.containersToKill) assert.deepEqual(k.id, latestStatus(s, k.name)?.id, `kills the latest ${k.name}`);
  return {
    killPod: a.killPod, createSandbox: a.createSandbox, sandboxId: a.sandboxId, attempt: a.attempt,
    init: a.initContainersToStart.map((x) => x.container.name),
    start: a.containersToStart.map((x) => x.container.name),
    kill: a.containersToKill.map((k) => k.name).sort(),
    waiting: Object.keys(a.waiting).sort(),
  };
}

interface Row {
  name: string;
  pod?: (p: Pod) => void;
  status?: (s: RuntimePodStatus, p: Pod) => void;
  opts?: Partial<ActionOptions>;
  want: Partial<Summary>;
}

function table(base: () => { p: Pod; s: RuntimePodStatus }, rows: Row[]): void {
  for (const r of rows) {
    test(r.name, () => {
      const { p, s } = base();
      r.pod?.(p);
      r.status?.(s, p);
      const actions = computePodActions(p, s, { backoff: noBackoff, ...r.opts });
      assert.deepEqual(summarize(actions, s), { ...NOTHING, ...r.want });
    });
  }
}

const ALL = ['foo1', 'foo2', 'foo3'];

// ---- the rows -------------------------------------------------------------------------------

describe('computePodActions: app containers and the sandbox', () => {
  table(basePlain, [
    { name: 'everything runs: nothing to do', want: {} },
    {
      name: 'a new pod: create the sandbox (attempt 0) and start every container',
      status: (s) => { s.sandboxes = []; noContainers(s); }, want: recreate(0, { start: ALL }),
    },
    {
      name: 'Always: restart a container that completed and one that failed', pod: policy('Always'),
      status: (s) => { set(s, 'foo1', exited(0)); set(s, 'foo2', exited(111)); }, want: { start: ['foo1', 'foo2'] },
    },
    {
      name: 'OnFailure: restart only the one that failed', pod: policy('OnFailure'),
      status: (s) => { set(s, 'foo1', exited(0)); set(s, 'foo2', exited(111)); }, want: { start: ['foo2'] },
    },
    {
      name: 'OnFailure: start a container left in "created" without killing it', pod: policy('OnFailure'),
      status: (s) => { set(s, 'foo1', exited(0)); set(s, 'foo2', { state: 'created' }); }, want: { start: ['foo2'] },
    },
    {
      name: 'Never: exited containers stay down while another still runs', pod: policy('Never'),
      status: (s) => { set(s, 'foo1', exited(0)); set(s, 'foo2', exited(111)); }, want: {},
    },
    { name: 'Never: every container exited, so the pod is done: kill it', pod: policy('Never'), status: (s) => setAll(s, exited(1)), want: { killPod: true } },
    {
      name: 'Never: a container in "unknown" state is killed and started again',
      pod: policy('Never'), status: (s) => set(s, 'foo2', { state: 'unknown' }), want: { kill: ['foo2'], start: ['foo2'] },
    },
    {
      name: 'Never: a container left in "created" is started, not killed',
      pod: policy('Never'), status: (s) => set(s, 'foo2', { state: 'created' }), want: { start: ['foo2'] },
    },
    {
      name: 'Always: the sandbox died: kill the pod, recreate the sandbox (attempt + 1), start all',
      status: (s) => sandboxDead(s), want: recreate(1, { start: ALL }),
    },
    {
      name: 'OnFailure: the sandbox died: start all again but the one that succeeded', pod: policy('OnFailure'),
      status: (s) => { sandboxDead(s); set(s, 'foo2', exited(0)); }, want: recreate(1, { start: ['foo1', 'foo3'] }),
    },
    { name: 'the sandbox has no IP: recreate it', status: (s) => { s.sandboxes[0].ip = ''; }, want: recreate(1, { start: ALL }) },
    {
      name: 'two ready sandboxes: recreate, with the newest attempt + 1',
      status: (s) => { s.sandboxes = [sandbox({ id: 'sb-new', attempt: 4 }), sandbox({ id: 'sb-old', attempt: 3 })]; },
      want: recreate(5, { start: ALL }),
    },
    {
      name: 'the newest sandbox is dead though an older one is ready: recreate (newest attempt + 1)',
      status: (s) => { s.sandboxes.unshift(sandbox({ id: 'sb1', attempt: 1, state: 'notready' })); }, want: recreate(2, { start: ALL }),
    },
    {
      name: 'Never: sandbox gone after the containers ran: kill, create nothing', pod: policy('Never'),
      status: (s) => { sandboxDead(s, 1); setAll(s, exited(0)); }, want: finished(2),
    },
    {
      name: 'OnFailure: sandbox gone and every container succeeded: kill, create nothing', pod: policy('OnFailure'),
      status: (s) => { sandboxDead(s, 1); setAll(s, exited(0)); }, want: finished(2),
    },
    {
      name: 'Never: sandbox gone before any container was created: create one (attempt + 1)', pod: policy('Never'),
      status: (s) => { sandboxDead(s, 2); noContainers(s); }, want: recreate(3, { start: ALL }),
    },
    {
      name: 'a changed spec (image) kills and recreates that container',
      pod: (p) => { p.spec.containers[1].image = 'localhost/busybox:1.36'; }, want: { kill: ['foo2'], start: ['foo2'] },
    },
    {
      name: 'Never: a changed spec still recreates the container',
      pod: (p) => { policy('Never')(p); p.spec.containers[1].image = 'localhost/busybox:1.36'; }, want: { kill: ['foo2'], start: ['foo2'] },
    },
    { name: 'a failed liveness probe kills and restarts the container', opts: { livenessFailed: (n) => n === 'foo2' }, want: { kill: ['foo2'], start: ['foo2'] } },
    { name: 'a failed startup probe kills and restarts the container', opts: { startupFailed: (n) => n === 'foo2' }, want: { kill: ['foo2'], start: ['foo2'] } },
    {
      name: 'OnFailure: a failed liveness probe restarts the container',
      pod: policy('OnFailure'), opts: { livenessFailed: (n) => n === 'foo2' }, want: { kill: ['foo2'], start: ['foo2'] },
    },
    {
      name: 'Never: a failed liveness probe kills the container, no restart',
      pod: policy('Never'), opts: { livenessFailed: (n) => n === 'foo2' }, want: { kill: ['foo2'] },
    },
    {
      name: 'Never: liveness kills the last running container: the pod is done', pod: policy('Never'),
      status: (s) => { set(s, 'foo1', exited(0)); set(s, 'foo3', exited(0)); }, opts: { livenessFailed: (n) => n === 'foo2' },
      want: { killPod: true, kill: ['foo2'] },
    },
    {
      name: 'host network: a host-network sandbox without an IP is fine',
      pod: (p) => { p.spec.hostNetwork = true; }, status: (s) => { Object.assign(s.sandboxes[0], { hostNetwork: true, ip: '' }); }, want: {},
    },
    {
      name: 'host network turned on: the network namespace changed, recreate the sandbox',
      pod: (p) => { p.spec.hostNetwork = true; }, want: recreate(1, { start: ALL }),
    },
    {
      name: 'host network turned off: the network namespace changed, recreate the sandbox',
      status: (s) => { s.sandboxes[0].hostNetwork = true; }, want: recreate(1, { start: ALL }),
    },
    {
      name: 'a pod being deleted: an exited container is not restarted', pod: (p) => { p.metadata.deletionTimestamp = T0.toISOString(); },
      status: (s) => set(s, 'foo1', exited(1)), want: {},
    },
    {
      name: 'a pod being deleted whose containers all exited: kill it', pod: (p) => { p.metadata.deletionTimestamp = T0.toISOString(); },
      status: (s) => setAll(s, exited(0)), want: { killPod: true },
    },
    {
      name: 'back-off: a crashed container waits out CrashLoopBackOff and keeps the pod alive',
      status: (s) => setAll(s, exited(1)), opts: { backoff: { get: () => 20_000, isInBackOffSince: () => true } }, want: { waiting: ALL },
    },
  ]);
});

describe('computePodActions: init containers', () => {
  table(baseInit, [
    { name: 'initialization done: start every app container', want: { start: ALL } },
    {
      name: 'a new pod: create the sandbox and start only the first init container',
      status: (s) => { s.sandboxes = []; noContainers(s); }, want: recreate(0, { init: ['init1'] }),
    },
    { name: 'no init container started yet: start the first', status: noContainers, want: { init: ['init1'] } },
    { name: 'init3 still runs: wait', pod: policy('Always'), status: (s) => set(s, 'init3', { state: 'running' }), want: {} },
    { name: 'init1 done: start init2', status: (s) => only(s, 'init1'), want: { init: ['init2'] } },
    { name: 'the sandbox died: kill the pod and start over from the first init container', status: (s) => sandboxDead(s), want: recreate(1, { init: ['init1'] }) },
    { name: 'Always: init3 failed: restart it', pod: policy('Always'), status: (s) => set(s, 'init3', { exitCode: 137 }), want: { init: ['init3'] } },
    { name: 'OnFailure: init3 failed: restart it', pod: policy('OnFailure'), status: (s) => set(s, 'init3', { exitCode: 137 }), want: { init: ['init3'] } },
    { name: 'Never: init3 failed: the pod failed, kill it', pod: policy('Never'), status: (s) => set(s, 'init3', { exitCode: 137 }), want: { killPod: true } },
    {
      name: 'Always: init3 in "unknown" state: kill and restart it',
      pod: policy('Always'), status: (s) => set(s, 'init3', { state: 'unknown' }), want: { kill: ['init3'], init: ['init3'] },
    },
    {
      name: 'OnFailure: init3 in "unknown" state: kill and restart it',
      pod: policy('OnFailure'), status: (s) => set(s, 'init3', { state: 'unknown' }), want: { kill: ['init3'], init: ['init3'] },
    },
    {
      name: 'Never: init3 in "unknown" state counts as failed: kill the pod',
      pod: policy('Never'), status: (s) => set(s, 'init3', { state: 'unknown' }), want: { killPod: true },
    },
    { name: 'init3 stuck in "created": start it again', pod: policy('Always'), status: (s) => set(s, 'init3', { state: 'created' }), want: { init: ['init3'] } },
    { name: 'Never: sandbox gone after init containers ran: kill only', pod: policy('Never'), status: (s) => sandboxDead(s), want: finished(1) },
    {
      name: 'Never: sandbox gone before any container ran: new sandbox, first init container',
      pod: policy('Never'), status: (s) => { sandboxDead(s); noContainers(s); }, want: recreate(1, { init: ['init1'] }),
    },
    {
      name: 'OnFailure: sandbox gone and init3 failed: new sandbox, first init container', pod: policy('OnFailure'),
      status: (s) => { sandboxDead(s); set(s, 'init3', { exitCode: 137 }); }, want: recreate(1, { init: ['init1'] }),
    },
    {
      name: 'earlier init statuses are gone but init3 runs: do not rerun the earlier ones', pod: policy('Always'),
      status: (s) => { set(s, 'init3', { state: 'running' }); only(s, 'init3'); }, want: {},
    },
    { name: 'app containers run: init containers whose statuses are gone are not rerun', status: (s, p) => { noContainers(s); withApps({})(s, p); }, want: {} },
    {
      name: 'app containers exited (an older sandbox) do not mean initialized: init1 runs, wait',
      status: (s, p) => { set(s, 'init1', { state: 'running' }); only(s, 'init1'); withApps(exited(0))(s, p); }, want: {},
    },
  ]);
});

describe('computePodActions: sidecars (restartable init containers)', () => {
  const startedBut = (...names: string[]) => ({ isStarted: (n: string) => !names.includes(n) });
  table(baseSidecars, [
    { name: 'every sidecar started: start the app containers', want: { start: ALL } },
    { name: 'nothing started yet: start the first sidecar', status: noContainers, want: { init: ['sc1'] } },
    { name: 'a sidecar stuck in "created": start it again', status: (s) => set(s, 'sc3', { state: 'created' }), want: { init: ['sc3'] } },
    { name: 'sc1 runs (no startup probe): start the next', status: (s) => only(s, 'sc1'), want: { init: ['sc2'] } },
    { name: 'sc2 passed its startup probe: start the next', status: (s) => only(s, 'sc1', 'sc2'), want: { init: ['sc3'] } },
    { name: 'sc2 startup probe not passed yet: wait', status: (s) => only(s, 'sc1', 'sc2'), opts: startedBut('sc2'), want: {} },
    { name: 'sc3 startup probe not passed yet: the app containers wait', opts: startedBut('sc3'), want: {} },
    {
      name: 'sc3 failed its startup probe: kill and restart it, the app containers wait',
      opts: { ...startedBut('sc3'), startupFailed: (n) => n === 'sc3' }, want: { kill: ['sc3'], init: ['sc3'] },
    },
    {
      name: 'sc3 failed its liveness probe: restart it; it had started, so the app containers start',
      opts: { livenessFailed: (n) => n === 'sc3' }, want: { kill: ['sc3'], init: ['sc3'], start: ALL },
    },
    {
      name: 'sc3 changed (image): recreate it; it had started, so the app containers start',
      pod: (p) => { p.spec.initContainers![2].image = 'localhost/busybox:1.36'; }, want: { kill: ['sc3'], init: ['sc3'], start: ALL },
    },
    { name: 'sc1 and sc3 exited: restart both, in order', status: (s) => { set(s, 'sc1', exited(0)); set(s, 'sc3', exited(0)); }, want: { init: ['sc1', 'sc3'] } },
    { name: 'sc1 exited, sc3 runs: restart sc1 and start the app containers', status: (s) => set(s, 'sc1', exited(0)), want: { init: ['sc1'], start: ALL } },
    { name: 'only sc3 is known and runs: start sc1, sc2 and the app containers', status: (s) => only(s, 'sc3'), want: { init: ['sc1', 'sc2'], start: ALL } },
    { name: 'Never: sc3 failed: restart it anyway', pod: policy('Never'), status: (s) => set(s, 'sc3', exited(137)), want: { init: ['sc3'] } },
    {
      name: 'Never: sc3 in "unknown" state: kill and restart it',
      pod: policy('Never'), status: (s) => set(s, 'sc3', { state: 'unknown' }), want: { kill: ['sc3'], init: ['sc3'] },
    },
    {
      name: 'Never: sc3 failed while the app containers run: restart sc3', pod: policy('Never'),
      status: (s, p) => { set(s, 'sc3', exited(137)); withApps({})(s, p); }, want: { init: ['sc3'] },
    },
    {
      name: 'Never: every app container succeeded: kill the pod, do not restart sidecars', pod: policy('Never'),
      status: (s, p) => { set(s, 'sc1', exited(1)); withApps(exited(0))(s, p); }, want: { killPod: true },
    },
    {
      name: 'Never: sandbox gone after sc3 failed: kill only',
      pod: policy('Never'), status: (s) => { sandboxDead(s); set(s, 'sc3', exited(137)); }, want: finished(1),
    },
    {
      name: 'Never: sandbox gone before any container ran: new sandbox, first sidecar',
      pod: policy('Never'), status: (s) => { sandboxDead(s); noContainers(s); }, want: recreate(1, { init: ['sc1'] }),
    },
    {
      name: 'OnFailure: sandbox gone: new sandbox, first sidecar',
      pod: policy('OnFailure'), status: (s) => { sandboxDead(s); set(s, 'sc3', exited(137)); }, want: recreate(1, { init: ['sc1'] }),
    },
    {
      name: 'Always: sandbox gone: new sandbox, first sidecar',
      status: (s) => { sandboxDead(s); set(s, 'sc3', exited(137)); }, want: recreate(1, { init: ['sc1'] }),
    },
  ]);
});

describe('computePodActions: what a start and a kill carry', () => {
  test('a restart counts one more than the last instance and carries its back-off key; a first start does not', () => {
    const { p, s } = basePlain();
    set(s, 'foo1', { ...exited(2), restartCount: 2 });
    s.containers = s.containers.filter((c) => c.name !== 'foo3');
    const a = computePodActions(p, s, { backoff: noBackoff });
    const [foo1, foo3] = a.containersToStart;
    assert.equal(foo1.container.name, 'foo1');
    assert.equal(foo1.restartCount, 3);
    assert.deepEqual(foo1.backoff, { key: containerBackoffKey(p, p.spec.containers[0]), finishedAt: at(5) });
    assert.equal(foo3.container.name, 'foo3');
    assert.equal(foo3.restartCount, 0);
    assert.equal(foo3.backoff, undefined);
  });

  test('the back-off is looked up per pod, container and spec hash, and explained as upstream words it', () => {
    const { p, s } = basePlain();
    set(s, 'foo1', exited(1));
    const asked: string[] = [];
    const backoff: BackoffReader = { get: () => 40_000, isInBackOffSince: (k, t) => { asked.push(k); return t.getTime() === at(5).getTime(); } };
    const a = computePodActions(p, s, { backoff });
    assert.deepEqual(asked, [`foo_default_uid-foo_foo1_${hashContainer(p.spec.containers[0])}`]);
    assert.deepEqual(a.waiting.foo1, { reason: 'CrashLoopBackOff', message: 'back-off 40s restarting failed container=foo1 pod=foo_default(uid-foo)' });
    assert.deepEqual(a.containersToStart, []);
  });

  test('kill reasons and messages: spec change, liveness (restart or not), unknown state', () => {
    const { p, s } = basePlain();
    p.spec.containers[0].image = 'localhost/busybox:1.36';
    set(s, 'foo3', { state: 'unknown' });
    const kills = (rp: Pod['spec']['restartPolicy']) => {
      p.spec.restartPolicy = rp;
      const a = computePodActions(p, s, { backoff: noBackoff, livenessFailed: (n) => n === 'foo2' });
      return Object.fromEntries(a.containersToKill.map((k) => [k.name, [k.reason, k.message]]));
    };
    assert.deepEqual(kills('Always'), {
      foo1: ['', 'Container foo1 definition changed, will be restarted'],
      foo2: ['Unhealthy', 'Container foo2 failed liveness probe, will be restarted'],
      foo3: ['Unknown', 'Container is in "unknown" state, try killing it before restart'],
    });
    assert.deepEqual(kills('Never').foo2, ['Unhealthy', 'Container foo2 failed liveness probe']);
  });
});
