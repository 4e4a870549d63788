// The volume manager: sets up every volume a pod declares before its containers start (and
// again on each sync, which is how configMap/secret/token updates reach running pods), and
// tears them down when the pod is gone. As upstream's volumemanager, minus attach/detach.

import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { realClock, type Clock } from '../clock.ts';
import { writeAtomic, type Payload } from './atomic_writer.ts';
import { diskUsage, memoryVolumeSize, quantityBytes, setUpEmptyDir, tearDownEmptyDir } from './emptydir.ts';
import { checkHostPathType } from './hostpath.ts';
import { createMounter, type Mounter } from './mounter.ts';
import { makePodDataDirs, podDir, podVolumesDir, volumeDir, type VolumePluginName } from './paths.ts';
import { configMapPayload, defaultVolumeMode, downwardAPIPayload, mergePayloads, secretPayload } from './payload.ts';
import { bindSubPath, cleanSubPaths, type SubPathBind } from './subpath.ts';
import { ServiceAccountTokenManager } from './token.ts';
import type { ConfigMap, Pod, Secret, Volume } from '../../api/core/index.ts';
import { isNotFoundError, type MountedVolume, type VolumeObjectSource } from './types.ts';

export interface VolumeManagerOptions {
  rootDir: string;
  objects: VolumeObjectSource;
  mounter?: Mounter;
  clock?: Clock;
  /** Node allocatable (resource name -> quantity): unset limits in downwardAPI, memory-backed volume size. */
  nodeAllocatable?: () => Record<string, string | number>;
  /** Back secret and projected volumes with tmpfs, as upstream (default true). */
  memoryBackedSecrets?: boolean;
}

export interface VolumeFailure {
  volume: string;
  /** The FailedMount event message: `MountVolume.SetUp failed for volume "x" : <why>`. */
  message: string;
}

/** Some volumes could not be set up; each failure is worth a FailedMount event. */
export class VolumeMountError extends Error {
  readonly reason = 'FailedMount';
  constructor(readonly failures: VolumeFailure[]) {
    super(failures.map((f) => f.message).join('; '));
  }
}

export interface EmptyDirUsage {
  volume: string;
  medium: string;
  usedBytes: number;
  sizeLimitBytes?: number;
}

interface PodVolumes {
  pod: Pod;
  volumes: Map<string, { plugin: VolumePluginName; mounted: MountedVolume; medium?: string; sizeLimitBytes?: number }>;
}

export function pluginOf(v: Volume): VolumePluginName | undefined {
  if (v.emptyDir) return 'kubernetes.io/empty-dir';
  if (v.hostPath) return 'kubernetes.io/host-path';
  if (v.configMap) return 'kubernetes.io/configmap';
  if (v.secret) return 'kubernetes.io/secret';
  if (v.downwardAPI) return 'kubernetes.io/downward-api';
  if (v.projected) return 'kubernetes.io/projected';
  return undefined;
}

export class VolumeManager {
  private readonly mounter: Mounter;
  private readonly clock: Clock;
  private readonly tokens: ServiceAccountTokenManager;
  private readonly pods = new Map<string, PodVolumes>();

  constructor(private readonly opts: VolumeManagerOptions) {
    this.mounter = opts.mounter ?? createMounter();
    this.clock = opts.clock ?? realClock;
    this.tokens = new ServiceAccountTokenManager(opts.objects, this.clock);
  }

  /**
   * Sets up (or refreshes) all of the pod's volumes; idempotent. Resolves to volume name ->
   * where it is on the host. Throws VolumeMountError naming every volume that failed.
   */
  async mountPodVolumes(pod: Pod): Promise<Map<string, MountedVolume>> {
    const uid = pod.metadata.uid ?? '';
    // The pod's directories are made while the volumes' data is fetched (a TokenRequest may take a
    // while); nothing is mounted or written before they exist.
    const dirs = makePodDataDirs(this.opts.rootDir, uid);
    dirs.catch(() => undefined); // awaited below; no unhandled rejection meanwhile
    const state: PodVolumes = this.pods.get(uid) ?? { pod, volumes: new Map() };
    state.pod = pod;
    this.pods.set(uid, state);
    const failures: VolumeFailure[] = [];
    await Promise.all(
      (pod.spec.volumes ?? []).map(async (v) => {
        try {
          const plugin = pluginOf(v);
          if (!plugin) throw new Error('volume type is not supported by this kubelet');
          const mounted = await this.setUp(pod, v, plugin, dirs);
          state.volumes.set(v.name, {
            plugin,
            mounted,
            medium: v.emptyDir ? (v.emptyDir.medium ?? '') : undefined,
            sizeLimitBytes: v.emptyDir ? quantityBytes(v.emptyDir.sizeLimit) : undefined,
          });
        } catch (e) {
          failures.push({ volume: v.name, message: `MountVolume.SetUp failed for volume "${v.name}" : ${(e as Error).message}` });
        }
      }),
    );
    await dirs;
    if (failures.length) throw new VolumeMountError(failures);
    return new Map([...state.volumes].map(([name, v]) => [name, v.mounted]));
  }

  /**
   * Unmounts and removes every volume of the pod, including ones a previous kubelet set up
   * (found on disk and in the mount table). Host paths are never touched.
   */
  async unmountPodVolumes(uid: string): Promise<void> {
    const volumesDir = podVolumesDir(this.opts.rootDir, uid);
    let plugins: string[] = [];
    try {
      plugins = await readdir(volumesDir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    // The containers' subPath binds go first (upstream's CleanSubPaths before TearDown); then
    // everything else mounted under the pod (tmpfs volumes, nested mounts), deepest first, from one
    // read of the mount table; then the volume directories.
    await cleanSubPaths(this.mounter, podDir(this.opts.rootDir, uid));
    for (const p of await this.mounter.mountPointsUnder(podDir(this.opts.rootDir, uid))) await this.mounter.unmount(p);
    for (const plugin of plugins) {
      const pluginDir = join(volumesDir, plugin);
      for (const name of await readdir(pluginDir).catch(() => [] as string[])) await tearDownEmptyDir(join(pluginDir, name), this.mounter);
    }
    const left = await this.mounter.mountPointsUnder(volumesDir);
    if (left.length) throw new Error(`pod ${uid}: volumes still mounted after teardown: ${left.join(', ')}`);
    await rm(volumesDir, { recursive: true, force: true });
    this.pods.delete(uid);
    this.tokens.forgetPod(uid);
  }

  /** Binds a container's subPath safely (subpath.ts); resolves to the path to give the runtime. */
  bindSubPath(s: SubPathBind): Promise<string> {
    return bindSubPath(this.mounter, s);
  }

  /** Volumes set up by this manager, as upstream's unique names: `<plugin>/<pod uid>-<volume>`. */
  volumesInUse(): string[] {
    const out: string[] = [];
    for (const [uid, p] of this.pods) for (const [name, v] of p.volumes) out.push(`${v.plugin}/${uid}-${name}`);
    return out.sort();
  }

  /** UIDs of pods whose volumes this manager has set up. */
  podsWithVolumes(): string[] {
    return [...this.pods.keys()];
  }

  /** How full each emptyDir of the pod is, with its sizeLimit (for eviction, later). */
  async emptyDirUsage(uid: string): Promise<EmptyDirUsage[]> {
    const p = this.pods.get(uid);
    if (!p) return [];
    const out: EmptyDirUsage[] = [];
    for (const [name, v] of p.volumes) {
      if (v.plugin !== 'kubernetes.io/empty-dir') continue;
      out.push({ volume: name, medium: v.medium ?? '', usedBytes: await diskUsage(v.mounted.hostPath), sizeLimitBytes: v.sizeLimitBytes });
    }
    return out;
  }

  private allocatable(): Record<string, string | number> {
    return this.opts.nodeAllocatable?.() ?? {};
  }

  private memorySize(pod: Pod, sizeLimit: string | number | undefined): number | undefined {
    return memoryVolumeSize(pod, quantityBytes(sizeLimit), quantityBytes(this.allocatable().memory));
  }

  private async setUp(pod: Pod, v: Volume, plugin: VolumePluginName, podDirs: Promise<void>): Promise<MountedVolume> {
    const uid = pod.metadata.uid ?? '';
    const fsGroup = pod.spec.securityContext?.fsGroup;
    if (v.hostPath) {
      await checkHostPathType(v.hostPath.path, v.hostPath.type);
      return { hostPath: v.hostPath.path, readOnly: false, selinuxRelabel: false };
    }
    const dir = volumeDir(this.opts.rootDir, uid, plugin, v.name);
    if (v.emptyDir) {
      await podDirs;
      const medium = v.emptyDir.medium ?? '';
      const memorySizeBytes = medium === 'Memory' ? this.memorySize(pod, v.emptyDir.sizeLimit) : undefined;
      await setUpEmptyDir({ dir, medium, memorySizeBytes, fsGroup, mounter: this.mounter });
      return { hostPath: dir, readOnly: false, selinuxRelabel: true };
    }
    // configMap, secret, downwardAPI, projected: computed files, written atomically.
    const inMemory = (v.secret !== undefined || v.projected !== undefined) && this.opts.memoryBackedSecrets !== false;
    // The data and the (tmpfs) directory are prepared at once; a volume whose data cannot be had
    // leaves nothing behind, as when upstream fetches first and mounts after.
    const [data, prepared] = await Promise.allSettled([
      this.payloadFor(pod, v),
      podDirs.then(() => setUpEmptyDir({ dir, medium: inMemory ? 'Memory' : '', memorySizeBytes: inMemory ? this.memorySize(pod, undefined) : undefined, mounter: this.mounter })),
    ]);
    if (data.status === 'rejected') {
      if (prepared.status === 'fulfilled' && prepared.value) await tearDownEmptyDir(dir, this.mounter).catch(() => undefined);
      throw data.reason;
    }
    if (prepared.status === 'rejected') throw prepared.reason;
    await writeAtomic(dir, data.value, { fsGroup, now: () => this.clock.now() });
    return { hostPath: dir, readOnly: true, selinuxRelabel: true };
  }

  /** A configMap or secret a volume reads; undefined for an optional one that does not exist. */
  private async fetch(kind: 'configmap', namespace: string, name: string, optional: boolean): Promise<ConfigMap | undefined>;
  private async fetch(kind: 'secret', namespace: string, name: string, optional: boolean): Promise<Secret | undefined>;
  private async fetch(kind: 'configmap' | 'secret', namespace: string, name: string, optional: boolean): Promise<ConfigMap | Secret | undefined> {
    try {
      return kind === 'configmap' ? await this.opts.objects.getConfigMap(namespace, name) : await this.opts.objects.getSecret(namespace, name);
    } catch (e) {
      if (!isNotFoundError(e)) throw e;
      if (optional) return undefined;
      throw new Error(`${kind} "${name}" not found`);
    }
  }

  private async payloadFor(pod: Pod, v: Volume): Promise<Payload> {
    const ns = pod.metadata.namespace ?? 'default';
    if (v.configMap) {
      const s = v.configMap;
      const cm = await this.fetch('configmap', ns, s.name ?? '', s.optional === true);
      return configMapPayload(cm, s.items, s.defaultMode ?? defaultVolumeMode, s.optional === true);
    }
    if (v.secret) {
      const s = v.secret;
      const secret = await this.fetch('secret', ns, s.secretName ?? '', s.optional === true);
      return secretPayload(secret, s.items, s.defaultMode ?? defaultVolumeMode, s.optional === true);
    }
    if (v.downwardAPI) return downwardAPIPayload(pod, v.downwardAPI.items, v.downwardAPI.defaultMode ?? defaultVolumeMode, this.allocatable());
    const projected = v.projected!;
    const mode = projected.defaultMode ?? defaultVolumeMode;
    // The sources are independent (a TokenRequest, configmap and secret reads): fetched at once,
    // merged in their order.
    const parts = await Promise.all((projected.sources ?? []).map(async (src): Promise<Payload> => {
      if (src.configMap) {
        const cm = await this.fetch('configmap', ns, src.configMap.name ?? '', src.configMap.optional === true);
        return configMapPayload(cm, src.configMap.items, mode, src.configMap.optional === true);
      }
      if (src.secret) {
        const secret = await this.fetch('secret', ns, src.secret.name ?? '', src.secret.optional === true);
        return secretPayload(secret, src.secret.items, mode, src.secret.optional === true);
      }
      if (src.downwardAPI) return downwardAPIPayload(pod, src.downwardAPI.items, mode, this.allocatable());
      if (src.serviceAccountToken) {
        const t = src.serviceAccountToken;
        const token = await this.tokens.getToken(ns, pod.spec.serviceAccountName || 'default', {
          audiences: t.audience ? [t.audience] : [],
          expirationSeconds: t.expirationSeconds ?? 3600,
          boundPod: { name: pod.metadata.name ?? '', uid: pod.metadata.uid ?? '' },
        });
        // Upstream narrows the token to 0600 when the pod asks for file ownership.
        const tokenMode = pod.spec.securityContext?.fsGroup !== undefined ? 0o600 : mode;
        return new Map([[t.path, { data: Buffer.from(token, 'utf8'), mode: tokenMode }]]);
      }
      // clusterTrustBundle: not supported yet (skipped).
      return new Map();
    }));
    return mergePayloads(parts);
  }
}
