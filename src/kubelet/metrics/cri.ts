// instrumentCri: a CriClient that times and counts every call, as upstream's instrumented runtime
// and image services (operation_type is the CRI method in snake_case, upstream's spelling), and
// also feeds the pod and container start counters and the image pull windows of the start SLI.
import type { PodSpec } from '../../api/core/index.ts';
import type { CriClient } from '../runtime/cri/client.ts';
import type { ContainerType, KubeletMetrics } from './metrics.ts';

/** Each timed CriClient method and upstream's operation_type for it. */
export const CRI_OPERATIONS = {
  version: 'version',
  status: 'status',
  updateRuntimeConfig: 'update_runtime_config',
  runPodSandbox: 'run_podsandbox',
  stopPodSandbox: 'stop_podsandbox',
  removePodSandbox: 'remove_podsandbox',
  podSandboxStatus: 'podsandbox_status',
  listPodSandbox: 'list_podsandbox',
  createContainer: 'create_container',
  startContainer: 'start_container',
  stopContainer: 'stop_container',
  removeContainer: 'remove_container',
  listContainers: 'list_containers',
  containerStatus: 'container_status',
  updateContainerResources: 'update_container',
  reopenContainerLog: 'reopen_container_log',
  execSync: 'exec_sync',
  exec: 'exec',
  attach: 'attach',
  portForward: 'port_forward',
  containerStats: 'container_stats',
  listContainerStats: 'list_container_stats',
  podSandboxStats: 'podsandbox_stats',
  listPodSandboxStats: 'list_podsandbox_stats',
  listPodSandboxMetrics: 'list_podsandbox_metrics',
  listImages: 'list_images',
  imageStatus: 'image_status',
  pullImage: 'pull_image',
  removeImage: 'remove_image',
  imageFsInfo: 'image_fs_info',
} as const satisfies Partial<Record<keyof CriClient, string>>;

type Observer = Pick<KubeletMetrics, 'observeRuntimeOperation' | 'observeRunPodSandbox' | 'observeContainerStart' | 'observeContainerStartError' | 'observeImagePull'>;

export interface InstrumentCriOptions {
  /** Which kind of container a pod's container is (default: 'container'); see containerTypeIn. */
  containerType?: (podUid: string, containerName: string) => ContainerType;
  /** Wall clock (ms) for image pull windows; Date.now by default. */
  now?: () => number;
}

/** A container's type from the pod spec (upstream's metric label for started containers). */
export function containerTypeIn(spec: Pick<PodSpec, 'initContainers' | 'ephemeralContainers'> | undefined, name: string): ContainerType {
  if (spec?.initContainers?.some((c) => c.name === name)) return 'init_container';
  if (spec?.ephemeralContainers?.some((c) => c.name === name)) return 'ephemeral_container';
  return 'container';
}

/** Remembers created containers' types until they start; bounded in case a start never comes. */
const maxPendingStarts = 4096;

export function instrumentCri(cri: CriClient, metrics: Observer, opts: InstrumentCriOptions = {}): CriClient {
  const now = opts.now ?? Date.now;
  const typeOf = opts.containerType ?? (() => 'container' as const);
  const created = new Map<string, ContainerType>();

  async function timed<T>(operation: string, call: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      const out = await call();
      metrics.observeRuntimeOperation(operation, performance.now() - started, false);
      return out;
    } catch (e) {
      metrics.observeRuntimeOperation(operation, performance.now() - started, true);
      throw e;
    }
  }

  const wrapped = {
    get endpoint() { return cri.endpoint; },
    waitForReady: (timeoutMs: number) => cri.waitForReady(timeoutMs),
    close: () => cri.close(),
  } as Record<string, unknown>;
  for (const [method, operation] of Object.entries(CRI_OPERATIONS)) {
    const fn = (cri as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[method];
    wrapped[method] = (...args: unknown[]) => timed(operation, () => fn.apply(cri, args));
  }
  const client = wrapped as unknown as CriClient;

  client.runPodSandbox = async (config, runtimeHandler, callOpts) => {
    const started = performance.now();
    let failed = false;
    try {
      return await timed(CRI_OPERATIONS.runPodSandbox, () => cri.runPodSandbox(config, runtimeHandler, callOpts));
    } catch (e) {
      failed = true;
      throw e;
    } finally {
      metrics.observeRunPodSandbox(runtimeHandler ?? '', performance.now() - started, failed);
    }
  };

  client.createContainer = async (podSandboxId, config, sandboxConfig, callOpts) => {
    const type = typeOf(sandboxConfig?.metadata?.uid ?? '', config?.metadata?.name ?? '');
    metrics.observeContainerStart(type);
    try {
      const id = await timed(CRI_OPERATIONS.createContainer, () => cri.createContainer(podSandboxId, config, sandboxConfig, callOpts));
      if (created.size >= maxPendingStarts) created.delete(created.keys().next().value as string);
      created.set(id, type);
      return id;
    } catch (e) {
      metrics.observeContainerStartError(type, 'CreateContainerError');
      throw e;
    }
  };

  client.startContainer = async (containerId, callOpts) => {
    const type = created.get(containerId) ?? 'container';
    created.delete(containerId);
    try {
      return await timed(CRI_OPERATIONS.startContainer, () => cri.startContainer(containerId, callOpts));
    } catch (e) {
      metrics.observeContainerStartError(type, 'RunContainerError');
      throw e;
    }
  };

  client.pullImage = async (image, auth, sandboxConfig, callOpts) => {
    const startMs = now();
    try {
      return await timed(CRI_OPERATIONS.pullImage, () => cri.pullImage(image, auth, sandboxConfig, callOpts));
    } finally {
      const uid = sandboxConfig?.metadata?.uid;
      if (uid) metrics.observeImagePull(uid, startMs, now());
    }
  };

  return client;
}
