// Small builders for pods and runtime statuses shared by the status tests.
import type { Container, Pod, PodSpec } from '../../../../src/api/core/index.ts';
import type { RuntimeContainerStatus, RuntimePodStatus } from '../../../../src/kubelet/container/types.ts';

export const T0 = new Date('2026-01-01T00:00:00Z');
export const at = (s: number) => new Date(T0.getTime() + s * 1000);
export const iso = (s: number) => at(s).toISOString().replace(/\.\d{3}Z$/, 'Z');

export function pod(spec: Partial<PodSpec>, extra: Partial<Pod> = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'default', uid: 'pod-uid', ...(extra.metadata ?? {}) },
    spec: { containers: [], restartPolicy: 'Always', ...spec },
    ...(extra.status ? { status: extra.status } : {}),
  };
}

export const ctr = (name: string, extra: Partial<Container> = {}): Container => ({ name, image: `img/${name}:1`, ...extra });

export function running(name: string, id: string, startedS = 1, extra: Partial<RuntimeContainerStatus> = {}): RuntimeContainerStatus {
  return {
    id: { type: 'containerd', id },
    name,
    state: 'running',
    createdAt: at(startedS - 0.5),
    startedAt: at(startedS),
    image: `img/${name}:1`,
    imageRef: `sha256:${name}`,
    hash: 'h',
    restartCount: 0,
    ...extra,
  };
}

export function exited(name: string, id: string, exitCode: number, startedS = 1, finishedS = 2, extra: Partial<RuntimeContainerStatus> = {}): RuntimeContainerStatus {
  return {
    id: { type: 'containerd', id },
    name,
    state: 'exited',
    createdAt: at(startedS - 0.5),
    startedAt: at(startedS),
    finishedAt: at(finishedS),
    exitCode,
    reason: exitCode === 0 ? 'Completed' : 'Error',
    image: `img/${name}:1`,
    imageRef: `sha256:${name}`,
    hash: 'h',
    restartCount: 0,
    ...extra,
  };
}

export function runtime(containers: RuntimeContainerStatus[], opts: { ip?: string; sandbox?: 'ready' | 'notready' | 'none'; hostNetwork?: boolean } = {}): RuntimePodStatus {
  const sandbox = opts.sandbox ?? 'ready';
  const ip = opts.hostNetwork ? undefined : (opts.ip ?? '10.88.0.5');
  return {
    uid: 'pod-uid',
    name: 'web',
    namespace: 'default',
    ips: sandbox === 'none' || !ip ? [] : [ip],
    sandboxes: sandbox === 'none' ? [] : [{ id: 'sb1', state: sandbox, createdAt: at(0), attempt: 0, ...(ip ? { ip } : {}), additionalIps: [], hostNetwork: opts.hostNetwork ?? false }],
    containers,
    timestamp: at(10),
  };
}
