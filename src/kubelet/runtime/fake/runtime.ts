// An in-memory CRI runtime for unit tests and simulated (hollow) nodes: sandboxes, containers
// with states and exit codes, images, injectable failures and a record of every call.
// Deterministic: ids are sequential and time comes from an injectable clock.
import * as grpc from '@grpc/grpc-js';
import { CriError, type CriClient } from '../cri/client.ts';
import type {
  In, PodSandboxConfig, PodSandbox, PodSandboxStatusResponse, ContainerConfig, Container, ContainerStatus,
  ContainerState, Image, ExecSyncResponse, PodSandboxFilter, ContainerFilter, AuthConfig, ImageSpec, ImageFsInfoResponse,
} from '../cri/types.ts';

export interface FakeCall { method: string; args: unknown[] }

export interface FakeSandbox {
  id: string;
  config: In<PodSandboxConfig>;
  state: 'SANDBOX_READY' | 'SANDBOX_NOTREADY';
  createdAt: number; // ns
  ip: string;
}

export interface FakeContainer {
  id: string;
  sandboxId: string;
  config: In<ContainerConfig>;
  state: ContainerState;
  imageRef: string;
  createdAt: number; // ns
  startedAt: number;
  finishedAt: number;
  exitCode: number;
  reason: string;
  message: string;
  logPath: string;
}

export interface FakeExecResult { exitCode: number; stdout?: string; stderr?: string }

export interface FakeRuntimeOptions {
  now?: () => Date;
  /** Exit code a container gets from StopContainer (SIGTERM). */
  stopExitCode?: number;
}

const ns = (d: Date) => d.getTime() * 1_000_000;
const matches = (labels: Record<string, string>, selector: Record<string, string> | null | undefined) =>
  Object.entries(selector ?? {}).every(([k, v]) => labels[k] === v);

function imageKey(ref: string): string {
  return ref.includes('@') || /:[^/]+$/.test(ref) ? ref : `${ref}:latest`;
}

export class FakeRuntime implements CriClient {
  readonly endpoint = 'fake://';
  readonly calls: FakeCall[] = [];
  readonly sandboxes = new Map<string, FakeSandbox>();
  readonly containers = new Map<string, FakeContainer>();
  /** image name (with tag) → image; several names may share one image. */
  readonly images = new Map<string, Image>();
  /** Images the fake "registry" can serve; pulling anything else fails with NOT_FOUND. */
  readonly registry = new Map<string, { size: number }>();
  /** Answers ExecSync; default: exit 0 with no output. */
  onExec: (containerId: string, cmd: string[]) => FakeExecResult | Promise<FakeExecResult> = () => ({ exitCode: 0 });
  /** Called when a container starts, e.g. to make it exit at once. */
  onStart: (c: FakeContainer) => void = () => {};
  private readonly failures = new Map<string, Error[]>();
  private readonly now: () => Date;
  private readonly stopExitCode: number;
  private seq = 0;
  private ipSeq = 1;
  private lastCreated = 0;

  constructor(opts: FakeRuntimeOptions = {}) {
    this.now = opts.now ?? (() => new Date());
    this.stopExitCode = opts.stopExitCode ?? 143;
  }

  // ---- test controls --------------------------------------------------------

  /** Makes the next `times` calls of method (e.g. 'runPodSandbox') fail with err. */
  injectError(method: keyof CriClient, err: Error, times = 1): void {
    const list = this.failures.get(method) ?? [];
    for (let i = 0; i < times; i++) list.push(err);
    this.failures.set(method, list);
  }

  /** Puts an image in the local store (as if imported). */
  addImage(ref: string, size = 1_000_000): Image {
    const key = imageKey(ref);
    const existing = this.images.get(key);
    if (existing) return existing;
    const id = `sha256:${fakeDigest(key)}`;
    const img: Image = {
      id, repoTags: [key], repoDigests: [], size, uid: null, username: '', spec: null, pinned: false, imageSource: '',
    };
    this.images.set(key, img);
    return img;
  }

  /** Makes a running (or created) container exit. */
  exit(containerId: string, exitCode: number, reason = exitCode === 0 ? 'Completed' : 'Error', message = ''): void {
    const c = this.mustContainer(containerId);
    c.state = 'CONTAINER_EXITED';
    c.exitCode = exitCode;
    c.reason = reason;
    c.message = message;
    c.finishedAt = ns(this.now());
  }

  /** Containers by name (newest first), for assertions. */
  containersNamed(name: string): FakeContainer[] {
    return [...this.containers.values()].filter((c) => c.config.metadata?.name === name).sort((a, b) => b.createdAt - a.createdAt);
  }

  callsOf(method: string): FakeCall[] { return this.calls.filter((c) => c.method === method); }

  // ---- plumbing -------------------------------------------------------------

  private async enter(method: string, ...args: unknown[]): Promise<void> {
    this.calls.push({ method, args });
    const queued = this.failures.get(method);
    if (queued?.length) throw queued.shift()!;
  }
  /** Creation times strictly increase by at least 1 ms, so newest-first ordering is exact. */
  private createdNs(): number {
    this.lastCreated = Math.max(ns(this.now()), this.lastCreated + 1_000_000);
    return this.lastCreated;
  }
  private nextId(prefix: string): string {
    this.seq++;
    return `${prefix}${String(this.seq).padStart(6, '0')}`;
  }
  private mustSandbox(id: string): FakeSandbox {
    const s = this.sandboxes.get(id);
    if (!s) throw new CriError('PodSandboxStatus', grpc.status.NOT_FOUND, `an error occurred when try to find sandbox "${id}": not found`);
    return s;
  }
  private mustContainer(id: string): FakeContainer {
    const c = this.containers.get(id);
    if (!c) throw new CriError('ContainerStatus', grpc.status.NOT_FOUND, `an error occurred when try to find container "${id}": not found`);
    return c;
  }
  private findImage(ref: string): Image | undefined {
    const direct = this.images.get(imageKey(ref));
    if (direct) return direct;
    return [...this.images.values()].find((i) => i.id === ref);
  }

  // ---- runtime --------------------------------------------------------------

  async waitForReady(): Promise<void> {}
  close(): void {}
  async version() {
    await this.enter('version');
    return { version: '0.1.0', runtimeName: 'fake', runtimeVersion: '0.1.0', runtimeApiVersion: 'v1' };
  }
  async status() {
    await this.enter('status');
    return {
      status: { conditions: [
        { type: 'RuntimeReady', status: true, reason: '', message: '' },
        { type: 'NetworkReady', status: true, reason: '', message: '' },
      ] },
      info: {}, runtimeHandlers: [], features: null,
    };
  }
  async updateRuntimeConfig(podCidr: string) { await this.enter('updateRuntimeConfig', podCidr); }

  async runPodSandbox(config: In<PodSandboxConfig>, runtimeHandler = '') {
    await this.enter('runPodSandbox', config, runtimeHandler);
    const hostNet = config.linux?.securityContext?.namespaceOptions?.network === 'NODE';
    const id = this.nextId('sb');
    this.sandboxes.set(id, {
      id, config, state: 'SANDBOX_READY', createdAt: this.createdNs(), ip: hostNet ? '' : `10.88.0.${this.ipSeq++}`,
    });
    return id;
  }
  async stopPodSandbox(id: string) {
    await this.enter('stopPodSandbox', id);
    const s = this.sandboxes.get(id);
    if (!s) return;
    for (const c of this.containers.values()) {
      if (c.sandboxId === id && c.state === 'CONTAINER_RUNNING') this.exit(c.id, 137, 'Error');
    }
    s.state = 'SANDBOX_NOTREADY';
  }
  async removePodSandbox(id: string) {
    await this.enter('removePodSandbox', id);
    for (const c of [...this.containers.values()]) if (c.sandboxId === id) this.containers.delete(c.id);
    this.sandboxes.delete(id);
  }
  async podSandboxStatus(id: string): Promise<PodSandboxStatusResponse> {
    await this.enter('podSandboxStatus', id);
    const s = this.mustSandbox(id);
    const md = s.config.metadata ?? {};
    return {
      status: {
        id: s.id,
        metadata: { name: md.name ?? '', uid: md.uid ?? '', namespace: md.namespace ?? '', attempt: md.attempt ?? 0 },
        state: s.state,
        createdAt: s.createdAt,
        network: { ip: s.ip, additionalIps: [] },
        linux: { namespaces: { options: {
          network: s.config.linux?.securityContext?.namespaceOptions?.network ?? 'POD',
          pid: s.config.linux?.securityContext?.namespaceOptions?.pid ?? 'CONTAINER',
          ipc: s.config.linux?.securityContext?.namespaceOptions?.ipc ?? 'POD',
          targetId: '', usernsOptions: null,
        } } },
        labels: { ...(s.config.labels as Record<string, string> ?? {}) },
        annotations: { ...(s.config.annotations as Record<string, string> ?? {}) },
        runtimeHandler: '',
      },
      info: {}, containersStatuses: [], timestamp: ns(this.now()),
    };
  }
  async listPodSandbox(filter?: In<PodSandboxFilter>): Promise<PodSandbox[]> {
    await this.enter('listPodSandbox', filter);
    return [...this.sandboxes.values()]
      .filter((s) => (!filter?.id || s.id === filter.id) && (!filter?.state?.state || s.state === filter.state.state)
        && matches(s.config.labels as Record<string, string> ?? {}, filter?.labelSelector as Record<string, string>))
      .map((s) => {
        const md = s.config.metadata ?? {};
        return {
          id: s.id, state: s.state, createdAt: s.createdAt, runtimeHandler: '',
          metadata: { name: md.name ?? '', uid: md.uid ?? '', namespace: md.namespace ?? '', attempt: md.attempt ?? 0 },
          labels: { ...(s.config.labels as Record<string, string> ?? {}) },
          annotations: { ...(s.config.annotations as Record<string, string> ?? {}) },
        };
      });
  }

  async createContainer(sandboxId: string, config: In<ContainerConfig>, sandboxConfig: In<PodSandboxConfig>) {
    await this.enter('createContainer', sandboxId, config, sandboxConfig);
    const sb = this.mustSandbox(sandboxId);
    if (sb.state !== 'SANDBOX_READY') throw new CriError('CreateContainer', grpc.status.UNKNOWN, `sandbox container "${sandboxId}" is not running`);
    const ref = config.image?.image ?? '';
    const img = this.findImage(ref);
    if (!img) throw new CriError('CreateContainer', grpc.status.NOT_FOUND, `failed to get image "${ref}": not found`);
    const id = this.nextId('c');
    const logDir = sb.config.logDirectory ?? '';
    this.containers.set(id, {
      id, sandboxId, config, state: 'CONTAINER_CREATED', imageRef: img.id, createdAt: this.createdNs(),
      startedAt: 0, finishedAt: 0, exitCode: 0, reason: '', message: '',
      logPath: config.logPath ? `${logDir}/${config.logPath}` : '',
    });
    return id;
  }
  async startContainer(id: string) {
    await this.enter('startContainer', id);
    const c = this.mustContainer(id);
    if (c.state !== 'CONTAINER_CREATED') throw new CriError('StartContainer', grpc.status.UNKNOWN, `container ${id} is not in created state`);
    c.state = 'CONTAINER_RUNNING';
    c.startedAt = ns(this.now());
    this.onStart(c);
  }
  async stopContainer(id: string, timeoutSeconds: number) {
    await this.enter('stopContainer', id, timeoutSeconds);
    const c = this.mustContainer(id);
    if (c.state === 'CONTAINER_RUNNING') this.exit(id, this.stopExitCode, 'Error');
    else if (c.state === 'CONTAINER_CREATED') { c.state = 'CONTAINER_EXITED'; c.finishedAt = ns(this.now()); }
  }
  async removeContainer(id: string) {
    await this.enter('removeContainer', id);
    this.containers.delete(id);
  }
  async listContainers(filter?: In<ContainerFilter>): Promise<Container[]> {
    await this.enter('listContainers', filter);
    return [...this.containers.values()]
      .filter((c) => (!filter?.id || c.id === filter.id) && (!filter?.state?.state || c.state === filter.state.state)
        && (!filter?.podSandboxId || c.sandboxId === filter.podSandboxId)
        && matches(c.config.labels as Record<string, string> ?? {}, filter?.labelSelector as Record<string, string>))
      .map((c) => ({
        id: c.id, podSandboxId: c.sandboxId, state: c.state, createdAt: c.createdAt, imageRef: c.imageRef, imageId: c.imageRef,
        metadata: { name: c.config.metadata?.name ?? '', attempt: c.config.metadata?.attempt ?? 0 },
        image: specOf(c.config.image), labels: { ...(c.config.labels as Record<string, string> ?? {}) },
        annotations: { ...(c.config.annotations as Record<string, string> ?? {}) },
      }));
  }
  async containerStatus(id: string) {
    await this.enter('containerStatus', id);
    const c = this.mustContainer(id);
    const status: ContainerStatus = {
      id: c.id, state: c.state, createdAt: c.createdAt, startedAt: c.startedAt, finishedAt: c.finishedAt,
      exitCode: c.exitCode, reason: c.reason, message: c.message, imageRef: c.imageRef, imageId: c.imageRef,
      metadata: { name: c.config.metadata?.name ?? '', attempt: c.config.metadata?.attempt ?? 0 },
      image: specOf(c.config.image), labels: { ...(c.config.labels as Record<string, string> ?? {}) },
      annotations: { ...(c.config.annotations as Record<string, string> ?? {}) },
      mounts: (c.config.mounts ?? []).map((m) => ({
        containerPath: m.containerPath ?? '', hostPath: m.hostPath ?? '', readonly: !!m.readonly, selinuxRelabel: false,
        propagation: 'PROPAGATION_PRIVATE', uidMappings: [], gidMappings: [], recursiveReadOnly: false, image: null,
      })),
      logPath: c.logPath, resources: null, user: null, imageSource: '',
    };
    return { status, info: {} };
  }
  async updateContainerResources(id: string) { await this.enter('updateContainerResources', id); }
  async reopenContainerLog(id: string) { await this.enter('reopenContainerLog', id); }

  async execSync(id: string, cmd: string[], timeoutSeconds: number): Promise<ExecSyncResponse> {
    await this.enter('execSync', id, cmd, timeoutSeconds);
    const c = this.mustContainer(id);
    if (c.state !== 'CONTAINER_RUNNING') throw new CriError('ExecSync', grpc.status.UNKNOWN, `container ${id} is not running`);
    const r = await this.onExec(id, cmd);
    return { exitCode: r.exitCode, stdout: Buffer.from(r.stdout ?? ''), stderr: Buffer.from(r.stderr ?? '') };
  }
  async exec() { await this.enter('exec'); return 'http://fake/exec'; }
  async attach() { await this.enter('attach'); return 'http://fake/attach'; }
  async portForward() { await this.enter('portForward'); return 'http://fake/portforward'; }
  async containerStats() { await this.enter('containerStats'); return null; }
  async listContainerStats() { await this.enter('listContainerStats'); return []; }
  async podSandboxStats() { await this.enter('podSandboxStats'); return null; }
  async listPodSandboxStats() { await this.enter('listPodSandboxStats'); return []; }
  async listPodSandboxMetrics(): Promise<never> {
    await this.enter('listPodSandboxMetrics');
    throw new CriError('ListPodSandboxMetrics', grpc.status.UNIMPLEMENTED, 'not implemented');
  }

  // ---- images ---------------------------------------------------------------

  async listImages() { await this.enter('listImages'); return [...new Set(this.images.values())]; }
  async imageStatus(image: In<ImageSpec>) {
    await this.enter('imageStatus', image);
    return { image: this.findImage(image.image ?? '') ?? null, info: {} };
  }
  async pullImage(image: In<ImageSpec>, auth?: In<AuthConfig>, sandboxConfig?: In<PodSandboxConfig>) {
    await this.enter('pullImage', image, auth, sandboxConfig);
    const key = imageKey(image.image ?? '');
    const entry = this.registry.get(key);
    if (!entry) {
      throw new CriError('PullImage', grpc.status.NOT_FOUND,
        `failed to pull and unpack image "${key}": failed to resolve reference "${key}": ${key}: not found`);
    }
    return this.addImage(key, entry.size).id;
  }
  async removeImage(image: In<ImageSpec>) {
    await this.enter('removeImage', image);
    const img = this.findImage(image.image ?? '');
    if (!img) return;
    for (const [k, v] of [...this.images]) if (v.id === img.id) this.images.delete(k);
  }
  async imageFsInfo(): Promise<ImageFsInfoResponse> { await this.enter('imageFsInfo'); return { imageFilesystems: [], containerFilesystems: [] }; }
}

function specOf(s: In<ImageSpec> | null | undefined): ImageSpec {
  return {
    image: s?.image ?? '', annotations: {}, userSpecifiedImage: s?.userSpecifiedImage ?? '', runtimeHandler: '',
  };
}

/** A stable 64-hex pseudo digest of a name (FNV-1a, repeated). */
function fakeDigest(s: string): string {
  let out = '';
  for (let round = 0; out.length < 64; round++) {
    let h = 0x811c9dc5 ^ round;
    for (let i = 0; i < s.length; i++) { h ^= s.charCodeAt(i); h = Math.imul(h, 0x01000193) >>> 0; }
    out += h.toString(16).padStart(8, '0');
  }
  return out.slice(0, 64);
}
