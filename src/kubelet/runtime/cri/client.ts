// A typed gRPC client for the CRI v1 RuntimeService and ImageService (containerd, CRI-O).
//
// Method shapes follow upstream's internal cri-api `RuntimeService`/`ImageManagerService`
// interfaces (ids and configs in, the useful part of the response out). Every call carries a
// deadline (the runtime-request-timeout, 2 min by default) and can be cancelled with a signal.
// Failures reject with CriError, which keeps the gRPC status code and the runtime's message.
//
// Decoding (see types.ts): camelCase fields, int64 as number, enums as names, defaults filled.
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type {
  In, VersionResponse, StatusResponse, PodSandboxConfig, PodSandboxStatusResponse, PodSandboxFilter, PodSandbox,
  ContainerConfig, ContainerFilter, Container, ContainerStatusResponse, LinuxContainerResources, ExecSyncResponse,
  ContainerStats, ContainerStatsFilter, PodSandboxStats, PodSandboxStatsFilter, PodSandboxMetrics,
  ImageSpec, Image, ImageStatusResponse, AuthConfig, ImageFsInfoResponse,
} from './types.ts';

export type * from './types.ts';

export const DEFAULT_RUNTIME_REQUEST_TIMEOUT_MS = 2 * 60_000;
/** Image pulls get a long deadline of their own: a slow registry is not a dead runtime. */
export const DEFAULT_PULL_TIMEOUT_MS = 30 * 60_000;
/** Upstream caps ExecSync output at 16 MiB per stream; leave room for both. */
const MAX_MESSAGE_BYTES = 40 * 1024 * 1024;

export interface CallOptions { timeoutMs?: number; signal?: AbortSignal }

export interface ExecRequest { containerId: string; cmd: string[]; tty: boolean; stdin: boolean; stdout: boolean; stderr: boolean }
export interface AttachRequest { containerId: string; stdin: boolean; tty: boolean; stdout: boolean; stderr: boolean }

/** A failed CRI call: `code` is the gRPC status (grpc.status.NOT_FOUND …), `message` the runtime's text. */
export class CriError extends Error {
  readonly code: grpc.status;
  readonly codeName: string;
  readonly method: string;
  constructor(method: string, code: grpc.status, details: string) {
    super(details || grpc.status[code] || 'unknown error');
    this.name = 'CriError';
    this.method = method;
    this.code = code;
    this.codeName = grpc.status[code] ?? String(code);
  }
}

export function isNotFound(err: unknown): boolean {
  return err instanceof CriError && err.code === grpc.status.NOT_FOUND;
}
export function isUnimplemented(err: unknown): boolean {
  return err instanceof CriError && err.code === grpc.status.UNIMPLEMENTED;
}

export interface CriClient {
  readonly endpoint: string;
  /** Resolves once the runtime socket accepts a connection; rejects after timeoutMs. */
  waitForReady(timeoutMs: number): Promise<void>;
  close(): void;

  version(apiVersion?: string, opts?: CallOptions): Promise<VersionResponse>;
  status(verbose?: boolean, opts?: CallOptions): Promise<StatusResponse>;
  updateRuntimeConfig(podCidr: string, opts?: CallOptions): Promise<void>;

  runPodSandbox(config: In<PodSandboxConfig>, runtimeHandler?: string, opts?: CallOptions): Promise<string>;
  stopPodSandbox(podSandboxId: string, opts?: CallOptions): Promise<void>;
  removePodSandbox(podSandboxId: string, opts?: CallOptions): Promise<void>;
  podSandboxStatus(podSandboxId: string, verbose?: boolean, opts?: CallOptions): Promise<PodSandboxStatusResponse>;
  listPodSandbox(filter?: In<PodSandboxFilter>, opts?: CallOptions): Promise<PodSandbox[]>;

  createContainer(podSandboxId: string, config: In<ContainerConfig>, sandboxConfig: In<PodSandboxConfig>, opts?: CallOptions): Promise<string>;
  startContainer(containerId: string, opts?: CallOptions): Promise<void>;
  /** timeoutSeconds is the grace period before the runtime kills; the call deadline extends by it. */
  stopContainer(containerId: string, timeoutSeconds: number, opts?: CallOptions): Promise<void>;
  removeContainer(containerId: string, opts?: CallOptions): Promise<void>;
  listContainers(filter?: In<ContainerFilter>, opts?: CallOptions): Promise<Container[]>;
  containerStatus(containerId: string, verbose?: boolean, opts?: CallOptions): Promise<ContainerStatusResponse>;
  updateContainerResources(containerId: string, linux: In<LinuxContainerResources>, annotations?: Record<string, string>, opts?: CallOptions): Promise<void>;
  reopenContainerLog(containerId: string, opts?: CallOptions): Promise<void>;

  /** timeoutSeconds 0 means no command timeout; the call deadline extends by it. */
  execSync(containerId: string, cmd: string[], timeoutSeconds: number, opts?: CallOptions): Promise<ExecSyncResponse>;
  exec(req: In<ExecRequest>, opts?: CallOptions): Promise<string>;
  attach(req: In<AttachRequest>, opts?: CallOptions): Promise<string>;
  portForward(podSandboxId: string, ports: number[], opts?: CallOptions): Promise<string>;

  containerStats(containerId: string, opts?: CallOptions): Promise<ContainerStats | null>;
  listContainerStats(filter?: In<ContainerStatsFilter>, opts?: CallOptions): Promise<ContainerStats[]>;
  podSandboxStats(podSandboxId: string, opts?: CallOptions): Promise<PodSandboxStats | null>;
  listPodSandboxStats(filter?: In<PodSandboxStatsFilter>, opts?: CallOptions): Promise<PodSandboxStats[]>;
  /** containerd 1.6 answers UNIMPLEMENTED (see isUnimplemented). */
  listPodSandboxMetrics(opts?: CallOptions): Promise<PodSandboxMetrics[]>;

  listImages(filter?: In<ImageSpec>, opts?: CallOptions): Promise<Image[]>;
  /** The image, or null when the runtime does not have it. */
  imageStatus(image: In<ImageSpec>, verbose?: boolean, opts?: CallOptions): Promise<ImageStatusResponse>;
  /** Returns the image reference (containerd: the image ID). */
  pullImage(image: In<ImageSpec>, auth?: In<AuthConfig>, sandboxConfig?: In<PodSandboxConfig>, opts?: CallOptions): Promise<string>;
  removeImage(image: In<ImageSpec>, opts?: CallOptions): Promise<void>;
  imageFsInfo(opts?: CallOptions): Promise<ImageFsInfoResponse>;
}

/** 'unix:///run/x.sock', 'unix:/run/x.sock' or a bare socket path → a grpc-js target. */
export function grpcTarget(endpoint: string): string {
  if (endpoint.startsWith('unix://')) return `unix://${endpoint.slice('unix://'.length)}`;
  if (endpoint.startsWith('unix:')) return `unix://${endpoint.slice('unix:'.length)}`;
  if (endpoint.startsWith('/')) return `unix://${endpoint}`;
  return endpoint;
}

/** A response's bytes as grpc-js passes them on; emptied when the call takes them. */
interface Box { buf?: Buffer }

interface Services {
  RuntimeService: grpc.ServiceClientConstructor;
  ImageService: grpc.ServiceClientConstructor;
  /** Each method's response decoder (method name → decode), applied once a call has ended. */
  decoders: Map<string, (buf: Buffer) => unknown>;
}

let cachedServices: Services | undefined;
function loadServices(): Services {
  // Parsed on first use (not on import); the parsed definition is immutable, so sharing it is safe.
  if (!cachedServices) {
    const def = protoLoader.loadSync(fileURLToPath(new URL('./api.proto', import.meta.url)), {
      keepCase: false, longs: Number, enums: String, bytes: Buffer, defaults: true, arrays: true, objects: true,
    });
    // grpc-js hands each response over undecoded, in a box the call empties (see PendingCall).
    const decoders = new Map<string, (buf: Buffer) => unknown>();
    const boxed: protoLoader.PackageDefinition = {};
    for (const [name, service] of Object.entries(def)) {
      if ('format' in service) { boxed[name] = service; continue; } // a message or enum type
      const methods: Record<string, protoLoader.MethodDefinition<object, object>> = {};
      for (const [method, m] of Object.entries(service as protoLoader.ServiceDefinition)) {
        decoders.set(method, m.responseDeserialize as (buf: Buffer) => unknown);
        methods[method] = { ...m, responseDeserialize: (buf: Buffer): Box => ({ buf }) };
      }
      boxed[name] = methods;
    }
    const pkg = grpc.loadPackageDefinition(boxed) as unknown as { runtime: { v1: Omit<Services, 'decoders'> } };
    cachedServices = { ...pkg.runtime.v1, decoders };
  }
  return cachedServices;
}

/**
 * A unary call's way back to its caller, cut when the call ends. grpc-js keeps the callback and the
 * last response in its call objects, which Node's HTTP/2 stream keeps until a full collection
 * (docs/DESIGN.md). A callback holding the caller's promise, or a response decoded inside grpc-js,
 * was copied out of the young generation with every call: 200 KB a relist at 110 pods.
 */
class PendingCall {
  handle: grpc.ClientUnaryCall | undefined;
  private readonly onAbort = () => this.handle?.cancel();

  constructor(
    private readonly method: string,
    private readonly decode: (buf: Buffer) => unknown,
    private resolve: ((v: unknown) => void) | undefined,
    private reject: ((e: Error) => void) | undefined,
    private signal: AbortSignal | undefined,
    /** The client's calls in flight, which this one leaves when it ends. */
    private inFlight: Set<PendingCall> | undefined,
  ) {
    signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  readonly done = (err: grpc.ServiceError | null, res: Box | undefined): void => {
    const { resolve, reject } = this;
    this.signal?.removeEventListener('abort', this.onAbort);
    this.inFlight?.delete(this);
    this.resolve = this.reject = this.signal = this.handle = this.inFlight = undefined;
    if (err) { reject?.(new CriError(this.method, err.code, err.details)); return; }
    const buf = res?.buf ?? Buffer.alloc(0);
    if (res) res.buf = undefined;
    let decoded: unknown;
    try { decoded = this.decode(buf); } catch (e) {
      // What grpc-js answers when its own decoding fails.
      reject?.(new CriError(this.method, grpc.status.INTERNAL, `Response message parsing error: ${(e as Error).message}`));
      return;
    }
    resolve?.(decoded);
  };
}

/**
 * One client's unary calls in flight. Once its lifetime signal aborts, every one is cancelled (one
 * listener for the client, not one a call) and new ones fail at once.
 */
class InFlightCalls {
  private readonly calls = new Set<PendingCall>();

  constructor(private readonly lifetime: AbortSignal | undefined) {
    lifetime?.addEventListener('abort', () => { for (const c of this.calls) c.handle?.cancel(); }, { once: true });
  }

  /** Calls method on client; cancelled by signal or the lifetime, CANCELLED at once if either has aborted. */
  start<T>(client: grpc.Client, method: string, req: object, decode: (buf: Buffer) => unknown, deadline: Date, signal?: AbortSignal): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (signal?.aborted || this.lifetime?.aborted) { reject(new CriError(method, grpc.status.CANCELLED, 'Cancelled on client')); return; }
      const fn = (client as unknown as Record<string, Function>)[method];
      const pending = new PendingCall(method, decode, resolve as (v: unknown) => void, reject, signal, this.calls);
      this.calls.add(pending);
      try {
        pending.handle = fn.call(client, req, new grpc.Metadata(), { deadline }, pending.done);
      } catch (e) {
        this.calls.delete(pending); // a closed channel refuses the call at once
        throw e;
      }
    });
  }
}

const channelOptions: grpc.ClientOptions = {
  'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
  'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
  // Reconnect quickly after containerd restarts instead of backing off for minutes.
  'grpc.initial_reconnect_backoff_ms': 100,
  'grpc.max_reconnect_backoff_ms': 2000,
};

/**
 * signal: the component's lifetime. Once it aborts every call in flight is cancelled and new ones
 * fail at once (CANCELLED), so that a stopped kubelet waits on no runtime answer.
 */
export function createCriClient(endpoint: string, opts: { timeoutMs?: number; pullTimeoutMs?: number; signal?: AbortSignal } = {}): CriClient {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_RUNTIME_REQUEST_TIMEOUT_MS;
  const pullTimeoutMs = opts.pullTimeoutMs ?? DEFAULT_PULL_TIMEOUT_MS;
  const services = loadServices();
  const target = grpcTarget(endpoint);
  const runtime = new services.RuntimeService(target, grpc.credentials.createInsecure(), channelOptions);
  const images = new services.ImageService(target, grpc.credentials.createInsecure(), {
    ...channelOptions, channelOverride: runtime.getChannel(),
  });

  const calls = new InFlightCalls(opts.signal);
  const call = <T>(client: grpc.Client, method: string, req: object, o: CallOptions | undefined, extraMs = 0, defMs = timeoutMs) =>
    calls.start<T>(client, method, req, services.decoders.get(method)!, new Date(Date.now() + (o?.timeoutMs ?? defMs) + extraMs), o?.signal);
  const rt = <T>(m: string, req: object, o?: CallOptions, extraMs = 0) => call<T>(runtime, m, req, o, extraMs);
  const im = <T>(m: string, req: object, o?: CallOptions, defMs = timeoutMs) => call<T>(images, m, req, o, 0, defMs);

  return {
    endpoint,
    waitForReady(ms) {
      return new Promise((resolve, reject) => {
        runtime.waitForReady(new Date(Date.now() + ms), (err) => (err ? reject(err) : resolve()));
      });
    },
    close() { images.close(); runtime.close(); },

    version: (apiVersion = 'v1', o) => rt('Version', { version: apiVersion }, o),
    status: (verbose = false, o) => rt('Status', { verbose }, o),
    updateRuntimeConfig: async (podCidr, o) => { await rt('UpdateRuntimeConfig', { runtimeConfig: { networkConfig: { podCidr } } }, o); },

    runPodSandbox: async (config, runtimeHandler = '', o) =>
      (await rt<{ podSandboxId: string }>('RunPodSandbox', { config, runtimeHandler }, o)).podSandboxId,
    stopPodSandbox: async (podSandboxId, o) => { await rt('StopPodSandbox', { podSandboxId }, o); },
    removePodSandbox: async (podSandboxId, o) => { await rt('RemovePodSandbox', { podSandboxId }, o); },
    podSandboxStatus: (podSandboxId, verbose = false, o) => rt('PodSandboxStatus', { podSandboxId, verbose }, o),
    listPodSandbox: async (filter, o) => (await rt<{ items: PodSandbox[] }>('ListPodSandbox', { filter }, o)).items,

    createContainer: async (podSandboxId, config, sandboxConfig, o) =>
      (await rt<{ containerId: string }>('CreateContainer', { podSandboxId, config, sandboxConfig }, o)).containerId,
    startContainer: async (containerId, o) => { await rt('StartContainer', { containerId }, o); },
    stopContainer: async (containerId, timeoutSeconds, o) => {
      await rt('StopContainer', { containerId, timeout: timeoutSeconds }, o, Math.max(0, timeoutSeconds) * 1000);
    },
    removeContainer: async (containerId, o) => { await rt('RemoveContainer', { containerId }, o); },
    listContainers: async (filter, o) => (await rt<{ containers: Container[] }>('ListContainers', { filter }, o)).containers,
    containerStatus: (containerId, verbose = false, o) => rt('ContainerStatus', { containerId, verbose }, o),
    updateContainerResources: async (containerId, linux, annotations = {}, o) => {
      await rt('UpdateContainerResources', { containerId, linux, annotations }, o);
    },
    reopenContainerLog: async (containerId, o) => { await rt('ReopenContainerLog', { containerId }, o); },

    execSync: (containerId, cmd, timeoutSeconds, o) =>
      rt('ExecSync', { containerId, cmd, timeout: timeoutSeconds }, o, Math.max(0, timeoutSeconds) * 1000),
    exec: async (req, o) => (await rt<{ url: string }>('Exec', req, o)).url,
    attach: async (req, o) => (await rt<{ url: string }>('Attach', req, o)).url,
    portForward: async (podSandboxId, port, o) => (await rt<{ url: string }>('PortForward', { podSandboxId, port }, o)).url,

    containerStats: async (containerId, o) => (await rt<{ stats: ContainerStats | null }>('ContainerStats', { containerId }, o)).stats,
    listContainerStats: async (filter, o) => (await rt<{ stats: ContainerStats[] }>('ListContainerStats', { filter }, o)).stats,
    podSandboxStats: async (podSandboxId, o) => (await rt<{ stats: PodSandboxStats | null }>('PodSandboxStats', { podSandboxId }, o)).stats,
    listPodSandboxStats: async (filter, o) => (await rt<{ stats: PodSandboxStats[] }>('ListPodSandboxStats', { filter }, o)).stats,
    listPodSandboxMetrics: async (o) => (await rt<{ podMetrics: PodSandboxMetrics[] }>('ListPodSandboxMetrics', {}, o)).podMetrics,

    listImages: async (filter, o) => (await im<{ images: Image[] }>('ListImages', { filter: filter ? { image: filter } : null }, o)).images,
    imageStatus: (image, verbose = false, o) => im('ImageStatus', { image, verbose }, o),
    pullImage: async (image, auth, sandboxConfig, o) =>
      (await im<{ imageRef: string }>('PullImage', { image, auth, sandboxConfig }, o, pullTimeoutMs)).imageRef,
    removeImage: async (image, o) => { await im('RemoveImage', { image }, o); },
    imageFsInfo: (o) => im('ImageFsInfo', {}, o),
  };
}
