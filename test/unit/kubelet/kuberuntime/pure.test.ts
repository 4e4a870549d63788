// The pure pieces: hash, the container back-off, DNS, QoS and resources, termination messages.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { podQOSClass } from '../../../../src/api/pod/index.ts';
import { newContainerBackoff } from '../../../../src/kubelet/kuberuntime/backoff.ts';
import { containerConfig, linuxResources } from '../../../../src/kubelet/kuberuntime/container_config.ts';
import { milliCPUToQuota, milliCPUToShares, podCgroupParent } from '../../../../src/kubelet/cm/index.ts';
import { parseResolvConf, podDNSConfig } from '../../../../src/kubelet/kuberuntime/dns.ts';
import { fnv32a, hashContainer } from '../../../../src/kubelet/kuberuntime/hash.ts';
import { oomScoreAdjust } from '../../../../src/kubelet/kuberuntime/qos.ts';
import { normalizeSysctlName } from '../../../../src/kubelet/kuberuntime/sandbox.ts';
import { tailCriLog, terminationMessage } from '../../../../src/kubelet/kuberuntime/termination.ts';
import { podContainerDir } from '../../../../src/kubelet/volume/paths.ts';
import { createTerminationLogFile } from '../../../../src/kubelet/volume/termination.ts';
import { container, harness, newest, pod } from './helpers.ts';

describe('sysctls', () => {
  test('reach the runtime dotted: a slash-first name swaps its dots and slashes, as upstream\'s NormalizeName', () => {
    assert.equal(normalizeSysctlName('kernel/shm_rmid_forced'), 'kernel.shm_rmid_forced');
    assert.equal(normalizeSysctlName('net/ipv4/conf/eno2.100/rp_filter'), 'net.ipv4.conf.eno2/100.rp_filter');
    assert.equal(normalizeSysctlName('net.ipv4.conf.eno2/100.rp_filter'), 'net.ipv4.conf.eno2/100.rp_filter');
    assert.equal(normalizeSysctlName('kernel.shm_rmid_forced'), 'kernel.shm_rmid_forced');
    assert.equal(normalizeSysctlName('vm'), 'vm');
  });
});

describe('hash', () => {
  test('FNV-1a 32 test vectors and a hash that depends only on name and image', () => {
    assert.equal(fnv32a(''), 0x811c9dc5);
    assert.equal(fnv32a('a'), 0xe40c292c);
    assert.equal(fnv32a('foobar'), 0xbf9cf968);
    const c = container('a');
    assert.equal(hashContainer(c), hashContainer({ ...c, env: [{ name: 'X', value: '1' }], resources: { limits: { cpu: '1' } } }));
    assert.notEqual(hashContainer(c), hashContainer({ ...c, image: 'localhost/busybox:1.36' }));
    assert.notEqual(hashContainer(c), hashContainer({ ...c, name: 'b' }));
    assert.equal(hashContainer({ name: 'a', image: 'x' }), fnv32a('{"image":"x","name":"a"}').toString(16));
  });
});

describe('back-off', () => {
  test('entries expire after twice the maximum', () => {
    let now = 0;
    const b = newContainerBackoff(() => new Date(now));
    b.next('k', new Date(0));
    b.next('k', new Date(0));
    assert.equal(b.get('k'), 20_000);
    now = 5_000;
    assert.equal(b.isInBackOffSince('k', new Date(0)), true);
    now = 600_001;
    assert.equal(b.isInBackOffSince('k', new Date(600_000)), false);
    b.next('k', new Date(now));
    assert.equal(b.get('k'), 10_000);
  });
});

describe('dns', () => {
  const hostResolv = parseResolvConf('# comment\nnameserver 1.1.1.1\nnameserver 8.8.8.8\nsearch corp.example. lan\noptions edns0 rotate\n');
  test('parses resolv.conf', () => {
    assert.deepEqual(hostResolv, { nameservers: ['1.1.1.1', '8.8.8.8'], searches: ['corp.example', 'lan'], options: ['edns0', 'rotate'] });
  });
  test('None uses only the pod dnsConfig; ClusterFirstWithHostNet uses the cluster DNS', () => {
    const none = pod('d', [container('a')], { dnsPolicy: 'None', dnsConfig: { nameservers: ['9.9.9.9'], searches: ['x.y'], options: [{ name: 'ndots', value: '2' }, { name: 'edns0' }] } });
    assert.deepEqual(podDNSConfig(none, { clusterDNS: ['10.96.0.10'], clusterDomain: 'cluster.local', hostResolv }).config,
      { servers: ['9.9.9.9'], searches: ['x.y'], options: ['ndots:2', 'edns0'] });
    const hn = pod('d', [container('a')], { dnsPolicy: 'ClusterFirstWithHostNet', hostNetwork: true, namespace: undefined } as never);
    hn.metadata.namespace = 'kube-system';
    const r = podDNSConfig(hn, { clusterDNS: ['10.96.0.10'], clusterDomain: 'cluster.local', hostResolv });
    assert.deepEqual(r.config.servers, ['10.96.0.10']);
    assert.deepEqual(r.config.searches.slice(0, 3), ['kube-system.svc.cluster.local', 'svc.cluster.local', 'cluster.local']);
    const dflt = podDNSConfig(pod('d', [container('a')], { dnsPolicy: 'Default', dnsConfig: { options: [{ name: 'rotate' }] } }), { clusterDNS: [], clusterDomain: '', hostResolv });
    assert.deepEqual(dflt.config, { servers: ['1.1.1.1', '8.8.8.8'], searches: ['corp.example', 'lan'], options: ['edns0', 'rotate'] });
    assert.equal(dflt.warning, undefined);
  });
});

describe('QoS and resources', () => {
  test('QoS classes, cgroup parents and oom_score_adj', () => {
    const g = pod('g', [container('a', { resources: { limits: { cpu: '500m', memory: '128Mi' } } })]);
    const b = pod('b', [container('a', { resources: { requests: { memory: '1Gi' } } })]);
    const be = pod('e', [container('a')]);
    assert.deepEqual([podQOSClass(g.spec), podQOSClass(b.spec), podQOSClass(be.spec)], ['Guaranteed', 'Burstable', 'BestEffort']);
    assert.equal(podCgroupParent(g), '/kubepods/podg'.replace('podg', 'poduid-g'));
    assert.equal(podCgroupParent(b), '/kubepods/burstable/poduid-b');
    const cap = 8 * 1024 ** 3;
    assert.equal(oomScoreAdjust(g, g.spec.containers[0], cap), -997);
    assert.equal(oomScoreAdjust(be, be.spec.containers[0], cap), 1000);
    assert.equal(oomScoreAdjust(b, b.spec.containers[0], cap), 875);
  });
  test('cpu shares, quota and memory limit', () => {
    assert.equal(milliCPUToShares(0), 2);
    assert.equal(milliCPUToShares(250), 256);
    assert.equal(milliCPUToQuota(5), 1000);
    assert.equal(milliCPUToQuota(1500), 150_000);
    const p = pod('r', [container('a', { resources: { requests: { cpu: '250m' }, limits: { cpu: '1', memory: '64Mi' } } })]);
    assert.deepEqual(linuxResources(p, p.spec.containers[0], 8 * 1024 ** 3), {
      cpuShares: 256, oomScoreAdj: 993, cpuQuota: 100_000, cpuPeriod: 100_000, memoryLimitInBytes: 64 * 1024 * 1024,
    });
  });
  test('security context basics', () => {
    const p = pod('s', [container('a', { securityContext: { runAsGroup: 3000, readOnlyRootFilesystem: true, capabilities: { add: ['NET_ADMIN'], drop: ['ALL'] }, allowPrivilegeEscalation: false } })],
      { securityContext: { runAsUser: 1000 }, shareProcessNamespace: true });
    const cfg = containerConfig(p, p.spec.containers[0], { restartCount: 0, imageRef: 'sha256:x', env: [], command: [], args: [], mounts: [], memoryCapacityBytes: 1 });
    const sc = cfg.linux?.securityContext;
    assert.deepEqual(sc?.runAsUser, { value: 1000 });
    assert.deepEqual(sc?.runAsGroup, { value: 3000 });
    assert.equal(sc?.readonlyRootfs, true);
    assert.equal(sc?.noNewPrivs, true);
    assert.deepEqual(sc?.capabilities, { addCapabilities: ['NET_ADMIN'], dropCapabilities: ['ALL'] });
    assert.deepEqual(sc?.namespaceOptions, { network: 'POD', pid: 'POD', ipc: 'POD' });
    assert.ok((sc?.maskedPaths ?? []).includes('/proc/kcore'));
  });
});

describe('termination messages', () => {
  test('CRI log tail joins partial lines and keeps the last lines', () => {
    const raw = '2024-01-01T00:00:00Z stdout P hel\n2024-01-01T00:00:00Z stdout F lo\n2024-01-01T00:00:01Z stderr F boom\n';
    assert.equal(tailCriLog(raw), 'hello\nboom\n');
    const many = Array.from({ length: 100 }, (_, i) => `2024-01-01T00:00:00Z stdout F line${i}`).join('\n');
    const t = tailCriLog(many);
    assert.equal(t.split('\n').filter(Boolean).length, 80);
    assert.ok(t.endsWith('line99\n'));
  });
  test('the file wins; FallbackToLogsOnError reads the log only on failure', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-term-'));
    const file = join(dir, 'msg');
    const log = join(dir, '0.log');
    writeFileSync(log, '2024-01-01T00:00:00Z stderr F fatal: oops\n');
    writeFileSync(file, '');
    assert.equal(await terminationMessage({ policy: 'FallbackToLogsOnError', exitCode: 1, messageFile: file, logPath: log }), 'fatal: oops\n');
    assert.equal(await terminationMessage({ policy: 'FallbackToLogsOnError', exitCode: 0, messageFile: file, logPath: log }), '');
    assert.equal(await terminationMessage({ policy: 'File', exitCode: 1, messageFile: file, logPath: log }), '');
    writeFileSync(file, 'x'.repeat(5000));
    assert.equal((await terminationMessage({ policy: 'File', exitCode: 1, messageFile: file })).length, 4096);
  });
  test('getPodStatus reads the message file mounted at terminationMessagePath', async () => {
    const h = harness();
    const dir = mkdtempSync(join(tmpdir(), 'berth-term-'));
    // As makeContainerMounts: the termination-log file mounted at terminationMessagePath.
    h.deps.mounts = async (p, c) => [{ containerPath: c.terminationMessagePath!, hostPath: await createTerminationLogFile(dir, p.metadata.uid!, c.name) }];
    const p = pod('term', [container('a', { restartPolicy: undefined })], { restartPolicy: 'Never' });
    await h.sync(p);
    const mount = newest(h.cri, 'a').config.mounts?.find((m) => m.containerPath === '/dev/termination-log');
    assert.ok(mount?.hostPath?.startsWith(podContainerDir(dir, 'uid-term', 'a')));
    writeFileSync(mount!.hostPath!, 'bye now');
    h.cri.exit(newest(h.cri, 'a').id, 3);
    const st = await h.status(p);
    assert.equal(st.containers[0].message, 'bye now');
    assert.equal(st.containers[0].exitCode, 3);
    assert.equal(st.containers[0].reason, 'Error');
    assert.equal(st.containers[0].restartCount, 0);
  });
});
