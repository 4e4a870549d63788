// Shared fixtures for the runtime manager's unit tests: a fake runtime on a fake clock and deps.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeClock } from '../../../../src/kubelet/clock.ts';
import { ImageManager } from '../../../../src/kubelet/images/puller.ts';
import type { Container, Pod } from '../../../../src/api/core/index.ts';
import { newContainerBackoff } from '../../../../src/kubelet/kuberuntime/backoff.ts';
import type { RuntimeManagerDeps, PodRef } from '../../../../src/kubelet/kuberuntime/deps.ts';
import type { EnvConfigMap, EnvSecret } from '../../../../src/kubelet/kuberuntime/env.ts';
import { getPodStatus } from '../../../../src/kubelet/kuberuntime/status.ts';
import { syncPod, type SyncResult } from '../../../../src/kubelet/kuberuntime/sync.ts';
import { FakeRuntime } from '../../../../src/kubelet/runtime/fake/runtime.ts';

export interface RecordedEvent { pod: string; type: string; reason: string; message: string; fieldPath?: string }

export interface Harness {
  clock: FakeClock;
  cri: FakeRuntime;
  deps: RuntimeManagerDeps;
  events: RecordedEvent[];
  configMaps: Map<string, EnvConfigMap>;
  secrets: Map<string, EnvSecret>;
  sync(pod: Pod): Promise<SyncResult>;
  status(pod: Pod): ReturnType<typeof getPodStatus>;
  /** A fresh kubelet (new back-off tables, same runtime), as after a restart. */
  restartKubelet(): void;
  reasons(): string[];
}

export function makeDeps(cri: FakeRuntime, clock: FakeClock, events: RecordedEvent[], configMaps: Map<string, EnvConfigMap>, secrets: Map<string, EnvSecret>): RuntimeManagerDeps {
  const now = () => clock.now();
  return {
    cri,
    clock,
    images: new ImageManager({ cri, now }),
    backoff: newContainerBackoff(now),
    recorder: {
      event(pod: PodRef, type, reason, message, fieldPath) { events.push({ pod: pod.name, type, reason, message, fieldPath }); },
    },
    podLogsRoot: mkdtempSync(join(tmpdir(), 'berth-kr-logs-')),
    clusterDNS: ['10.96.0.10'],
    clusterDomain: 'cluster.local',
    resolvConf: async () => ({ nameservers: ['192.168.1.1'], searches: ['lan'], options: [] }),
    envSources: {
      getConfigMap: async (ns, name) => configMaps.get(`${ns}/${name}`),
      getSecret: async (ns, name) => secrets.get(`${ns}/${name}`),
    },
    nodeName: 'node-1',
    hostIPs: () => ['192.168.1.10'],
    nodeAllocatable: () => ({ cpu: '4', memory: '8Gi' }),
    memoryCapacityBytes: 8 * 1024 ** 3,
    mkdir: async () => {},
  };
}

export function harness(): Harness {
  const clock = new FakeClock();
  const cri = new FakeRuntime({ now: () => clock.now() });
  cri.addImage('localhost/busybox:1.35');
  cri.addImage('localhost/busybox:1.36');
  const events: RecordedEvent[] = [];
  const configMaps = new Map<string, EnvConfigMap>();
  const secrets = new Map<string, EnvSecret>();
  const h: Harness = {
    clock, cri, events, configMaps, secrets,
    deps: makeDeps(cri, clock, events, configMaps, secrets),
    async sync(pod) {
      const st = await h.status(pod);
      return syncPod(pod, st, h.deps);
    },
    status: (pod) => getPodStatus(cri, pod.metadata.uid!, pod.metadata.name!, pod.metadata.namespace ?? 'default', { now: () => clock.now() }),
    restartKubelet() { h.deps = makeDeps(cri, clock, events, configMaps, secrets); },
    reasons: () => events.map((e) => e.reason),
  };
  return h;
}

export function container(name: string, extra: Partial<Container> = {}): Container {
  return {
    name, image: 'localhost/busybox:1.35', imagePullPolicy: 'IfNotPresent', command: ['sleep', '3600'],
    terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File', ...extra,
  };
}

export function pod(name: string, containers: Container[], spec: Partial<Pod['spec']> = {}): Pod {
  return {
    metadata: { name, namespace: 'default', uid: `uid-${name}` },
    spec: { containers, restartPolicy: 'Always', terminationGracePeriodSeconds: 30, dnsPolicy: 'ClusterFirst', ...spec },
  };
}

/** The running (newest) container of that name in the fake runtime. */
export function newest(cri: FakeRuntime, name: string) {
  const c = cri.containersNamed(name)[0];
  if (!c) throw new Error(`no container ${name}`);
  return c;
}
