import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { kubeletCommand } from '../../../src/cli/kubelet.ts';
import type { KubeletOptions } from '../../../src/kubelet/options/options.ts';
import { decodeKubeletConfiguration } from '../../../src/kubelet/options/config.ts';
import { formatQuantity } from '../../../src/api/quantity.ts';

interface Parsed {
  options?: KubeletOptions;
  error?: CommanderError | Error;
  stderr: string;
}

/** Parses `berth kubelet <args>` as main.ts would (exitOverride everywhere), without starting anything. */
async function parse(args: string[]): Promise<Parsed> {
  const out: Parsed = { stderr: '' };
  const cmd = kubeletCommand(async (o) => {
    out.options = o;
  });
  const program = new Command('berth').addCommand(cmd);
  for (const c of [program, cmd]) c.exitOverride().configureOutput({ writeErr: (s) => (out.stderr += s), writeOut: () => {} });
  try {
    await program.parseAsync(['node', 'berth', 'kubelet', ...args]);
  } catch (e) {
    out.error = e as Error;
  }
  return out;
}

test('defaults are upstream kubelet defaults', async () => {
  const { options: o, error } = await parse([]);
  assert.equal(error, undefined);
  assert.ok(o);
  assert.equal(o.registerNode, true);
  assert.equal(o.nodeStatusUpdateFrequencyMs, 10_000);
  assert.equal(o.nodeStatusReportFrequencyMs, 300_000);
  assert.equal(o.nodeLeaseDurationSeconds, 40);
  assert.equal(o.maxPods, 110);
  assert.equal(o.rootDir, '/var/lib/berth/kubelet');
  assert.equal(o.containerRuntimeEndpoint, 'unix:///run/containerd/containerd.sock');
  assert.equal(o.runtimeRequestTimeoutMs, 120_000);
  assert.equal(o.port, 10250);
  assert.equal(o.healthzPort, 10248);
  assert.equal(o.address, '0.0.0.0');
  assert.equal(o.syncFrequencyMs, 60_000);
  assert.equal(o.cgroupDriver, 'cgroupfs');
  assert.equal(o.failSwapOn, true);
  assert.equal(o.anonymousAuth, true);
  assert.equal(o.authorizationMode, 'AlwaysAllow');
  assert.equal(o.loggingFormat, 'text');
  assert.deepEqual(
    o.evictionHard.map((t) => t.signal).sort(),
    ['imagefs.available', 'imagefs.inodesFree', 'memory.available', 'nodefs.available', 'nodefs.inodesFree'],
  );
});

test('Go-style booleans, maps, reservations and eviction thresholds', async () => {
  const { options: o, error } = await parse([
    '--register-node=false', '--fail-swap-on=false', '--cgroups-per-qos', '--anonymous-auth=0',
    '--node-labels', 'a=b,c=d', '--node-labels=e=f',
    '--kube-reserved', 'cpu=100m,memory=100Mi', '--system-reserved=ephemeral-storage=1Gi',
    '--eviction-hard', 'memory.available<200Mi,nodefs.available<5%',
    '--register-with-taints', 'dedicated=gpu:NoSchedule,x:NoExecute',
    '--hostname-override', 'n1', '--node-ip', '10.0.0.5', '--sync-frequency', '1m30s',
  ]);
  assert.equal(error, undefined);
  assert.ok(o);
  assert.equal(o.registerNode, false);
  assert.equal(o.failSwapOn, false);
  assert.equal(o.cgroupsPerQOS, true);
  assert.equal(o.anonymousAuth, false);
  assert.deepEqual(o.nodeLabels, { a: 'b', c: 'd', e: 'f' });
  assert.equal(formatQuantity(o.kubeReserved.cpu), '100m');
  assert.equal(formatQuantity(o.kubeReserved.memory), '100Mi');
  assert.equal(formatQuantity(o.systemReserved['ephemeral-storage']), '1Gi');
  assert.equal(o.evictionHard.length, 2);
  assert.equal(formatQuantity(o.evictionHard.find((t) => t.signal === 'memory.available')!.quantity!), '200Mi');
  assert.equal(o.evictionHard.find((t) => t.signal === 'nodefs.available')!.percentage, 0.05);
  assert.deepEqual(o.registerWithTaints, [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }, { key: 'x', effect: 'NoExecute' }]);
  assert.equal(o.hostnameOverride, 'n1');
  assert.equal(o.nodeIP, '10.0.0.5');
  assert.equal(o.syncFrequencyMs, 90_000);
});

for (const [args, flag, value] of [
  [['--sync-frequency', 'abc'], '--sync-frequency', 'abc'],
  [['--node-status-update-frequency=10'], '--node-status-update-frequency', '10'],
  [['--max-pods=lots'], '--max-pods', 'lots'],
  [['--kube-reserved', 'memory=lots'], '--kube-reserved', 'memory=lots'],
  [['--eviction-hard', 'memory.available<1Qi'], '--eviction-hard', 'memory.available<1Qi'],
  [['--register-node=maybe'], '--register-node', 'maybe'],
  [['--logging-format', 'xml'], '--logging-format', 'xml'],
] as const) {
  test(`malformed ${flag} ${value}: a usage error naming flag and value`, async () => {
    const { error, stderr, options } = await parse([...args]);
    assert.equal(options, undefined);
    assert.ok(error instanceof CommanderError, `got ${error}`);
    assert.equal(error.code, 'commander.invalidArgument');
    assert.notEqual(error.exitCode, 0); // main() turns every non-zero usage error into exit code 2
    assert.match(stderr, new RegExp(flag));
    assert.ok(stderr.includes(value), stderr);
  });
}

test('unknown flag: a usage error naming it', async () => {
  const { error, stderr } = await parse(['--no-such-flag=1']);
  assert.ok(error instanceof CommanderError);
  assert.equal(error.code, 'commander.unknownOption');
  assert.match(stderr, /--no-such-flag/);
});

test('--cloud-provider: empty and external are accepted, anything else is a clear error', async () => {
  assert.equal((await parse(['--cloud-provider=external'])).options?.cloudProvider, 'external');
  assert.equal((await parse(['--cloud-provider='])).options?.cloudProvider, '');
  const { error, stderr } = await parse(['--cloud-provider', 'aws']);
  assert.ok(error instanceof CommanderError);
  assert.match(stderr, /"aws".*Berth has no in-tree cloud providers/);
});

async function tempFile(name: string, text: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-kubelet-opts-'));
  const file = join(dir, name);
  await writeFile(file, text);
  return file;
}

const yamlConfig = `apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
maxPods: 50
nodeStatusReportFrequency: 1m
nodeLeaseDurationSeconds: 20
staticPodPath: /etc/berth/manifests
registerNode: false
authentication:
  x509:
    clientCAFile: /etc/ca.crt
kubeReserved:
  cpu: 200m
evictionHard:
  memory.available: 300Mi
imageGCHighThresholdPercent: 85
`;

test('--config file: fields apply, flags win, --pod-manifest-path wins over staticPodPath', async () => {
  const file = await tempFile('config.yaml', yamlConfig);
  const { options: o, error } = await parse(['--config', file, '--max-pods=30']);
  assert.equal(error, undefined);
  assert.ok(o);
  assert.equal(o.configFile, file);
  assert.equal(o.maxPods, 30, 'the flag wins');
  assert.equal(o.nodeStatusReportFrequencyMs, 60_000);
  assert.equal(o.nodeLeaseDurationSeconds, 20);
  assert.equal(o.registerNode, false);
  assert.equal(o.staticPodPath, '/etc/berth/manifests');
  assert.equal(o.clientCAFile, '/etc/ca.crt');
  assert.equal(formatQuantity(o.kubeReserved.cpu), '200m');
  assert.deepEqual(o.evictionHard.map((t) => t.signal), ['memory.available']);
  // A file starts from v1beta1's secure defaults, unlike bare flags.
  assert.equal(o.anonymousAuth, false);
  assert.equal(o.authorizationMode, 'Webhook');
  const withFlag = await parse(['--config', file, '--pod-manifest-path', '/srv/manifests', '--register-node=true']);
  assert.equal(withFlag.options?.staticPodPath, '/srv/manifests');
  assert.equal(withFlag.options?.registerNode, true);
});

test('--config file in JSON works too', async () => {
  const file = await tempFile('config.json', JSON.stringify({ apiVersion: 'kubelet.config.k8s.io/v1beta1', kind: 'KubeletConfiguration', nodeStatusUpdateFrequency: '4s' }));
  assert.equal((await parse(['--config', file])).options?.nodeStatusUpdateFrequencyMs, 4_000);
});

test('--config file is decoded strictly: an unknown field is an error naming it', async () => {
  const file = await tempFile('bad.yaml', yamlConfig + 'maxPodz: 3\n');
  const { error, options } = await parse(['--config', file]);
  assert.equal(options, undefined);
  assert.ok(error && !(error instanceof CommanderError));
  assert.match(error.message, /failed to load kubelet config file .*bad\.yaml.*unknown field "maxPodz"/);
  assert.throws(
    () => decodeKubeletConfiguration('apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nauthentication:\n  x509:\n    caFile: x\n'),
    /unknown field "authentication\.x509\.caFile"/,
  );
  assert.throws(
    () => decodeKubeletConfiguration('apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nsyncFrequency: soon\n'),
    /field "syncFrequency": invalid duration "soon"/,
  );
  assert.throws(() => decodeKubeletConfiguration('apiVersion: v1\nkind: KubeletConfiguration\n'), /version "v1"/);
});

test('--config DIR is the legacy static pod manifest directory', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-manifests-'));
  await mkdir(join(dir, 'sub'));
  const { options: o, error } = await parse(['--config', dir]);
  assert.equal(error, undefined);
  assert.equal(o?.staticPodPath, dir);
  assert.equal(o?.configFile, undefined);
  assert.equal(o?.anonymousAuth, true, 'no file: flag defaults');
  assert.equal((await parse(['--config', dir, '--pod-manifest-path', '/x'])).options?.staticPodPath, '/x');
});

test('--v / -v and logging.verbosity set the log verbosity; the flag wins', async () => {
  assert.equal((await parse([])).options?.verbosity, 0);
  assert.equal((await parse(['--v', '3'])).options?.verbosity, 3);
  assert.equal((await parse(['-v', '2'])).options?.verbosity, 2);
  const file = await tempFile('verbose.json', JSON.stringify({ apiVersion: 'kubelet.config.k8s.io/v1beta1', kind: 'KubeletConfiguration', logging: { verbosity: 4 } }));
  assert.equal((await parse(['--config', file])).options?.verbosity, 4);
  assert.equal((await parse(['--config', file, '--v=1'])).options?.verbosity, 1);
  const bad = await parse(['--v', 'loud']);
  assert.match(String(bad.error?.message), /--v.*loud/);
  const negative = await tempFile('negative.json', JSON.stringify({ apiVersion: 'kubelet.config.k8s.io/v1beta1', kind: 'KubeletConfiguration', logging: { verbosity: -1 } }));
  assert.match(String((await parse(['--config', negative])).error?.message), /logging\.verbosity: -1: must be a non-negative integer/);
});

test('the systemd cgroup driver is refused at start, by flag or config, naming the key and value', async () => {
  assert.match(String((await parse(['--cgroup-driver', 'systemd'])).error?.message), /cgroupDriver \(--cgroup-driver\): "systemd": Berth manages cgroups with the cgroupfs driver only/);
  const file = await tempFile('systemd.json', JSON.stringify({ apiVersion: 'kubelet.config.k8s.io/v1beta1', kind: 'KubeletConfiguration', cgroupDriver: 'systemd' }));
  assert.match(String((await parse(['--config', file])).error?.message), /cgroupDriver.*"systemd".*cgroupfs driver only/);
  assert.equal((await parse(['--cgroup-driver', 'cgroupfs'])).error, undefined);
});

test('enforceNodeAllocatable and podPidsLimit: defaults, flags, config; levels Berth cannot enforce are refused', async () => {
  const { options: o } = await parse([]);
  assert.deepEqual([o?.enforceNodeAllocatable, o?.podPidsLimit], [['pods'], -1]);
  assert.deepEqual((await parse(['--enforce-node-allocatable', 'none', '--pod-max-pids', '4096'])).options && [
    (await parse(['--enforce-node-allocatable', 'none'])).options?.enforceNodeAllocatable, (await parse(['--pod-max-pids', '4096'])).options?.podPidsLimit,
  ], [['none'], 4096]);
  const file = await tempFile('pids.json', JSON.stringify({ apiVersion: 'kubelet.config.k8s.io/v1beta1', kind: 'KubeletConfiguration', podPidsLimit: 100, enforceNodeAllocatable: ['pods'] }));
  assert.equal((await parse(['--config', file])).options?.podPidsLimit, 100);
  assert.match(String((await parse(['--enforce-node-allocatable', 'pods,system-reserved'])).error?.message), /enforceNodeAllocatable.*does not enforce system-reserved/);
  assert.match(String((await parse(['--cgroups-per-qos=false'])).error?.message), /enforceNodeAllocatable.*needs cgroupsPerQOS/);
  assert.equal((await parse(['--cgroups-per-qos=false', '--enforce-node-allocatable', 'none'])).error, undefined);
});

test('image GC: upstream defaults, config keys and flags apply, out-of-range values refused with upstream\'s message', async () => {
  const { options: d } = await parse([]);
  assert.deepEqual([d?.imageGCHighThresholdPercent, d?.imageGCLowThresholdPercent, d?.imageMinimumGCAgeMs, d?.imageMaximumGCAgeMs], [85, 80, 120_000, 0]);
  const file = await tempFile('gc.yaml', 'apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nimageGCHighThresholdPercent: 70\nimageGCLowThresholdPercent: 60\nimageMinimumGCAge: 30s\nimageMaximumGCAge: 1h\n');
  const { options: o, error } = await parse(['--config', file, '--image-gc-low-threshold=50']);
  assert.equal(error, undefined);
  assert.deepEqual([o?.imageGCHighThresholdPercent, o?.imageGCLowThresholdPercent, o?.imageMinimumGCAgeMs, o?.imageMaximumGCAgeMs], [70, 50, 30_000, 3_600_000]);
  const flags = await parse(['--image-gc-high-threshold=1', '--image-gc-low-threshold=0', '--minimum-image-ttl-duration=1m']);
  assert.deepEqual([flags.options?.imageGCHighThresholdPercent, flags.options?.imageGCLowThresholdPercent, flags.options?.imageMinimumGCAgeMs], [1, 0, 60_000]);
  const bad = await parse(['--image-gc-high-threshold=80', '--image-gc-low-threshold=80']);
  assert.match(String(bad.error?.message), /invalid configuration: imageGCLowThresholdPercent \(--image-gc-low-threshold\) 80 must be less than imageGCHighThresholdPercent \(--image-gc-high-threshold\) 80/);
  const over = await parse(['--image-gc-high-threshold=101']);
  assert.match(String(over.error?.message), /imageGCHighThresholdPercent \(--image-gc-high-threshold\) 101 must be between 0 and 100, inclusive/);
  const ages = await tempFile('ages.yaml', 'apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nimageMinimumGCAge: 2m\nimageMaximumGCAge: 1m\n');
  assert.match(String((await parse(['--config', ages])).error?.message), /imageMaximumGCAge 1m0s must be greater than imageMinimumGCAge 2m0s/);
});
