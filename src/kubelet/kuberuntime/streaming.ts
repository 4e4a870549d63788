// The runtime side of exec, attach, run and port-forward, as upstream's kubelet GetExec,
// GetAttach, RunInContainer and GetPortForward: the pod by name from the pod manager, its running
// container (or ready sandbox) from the runtime, then a streaming URL from the CRI (Exec,
// Attach, PortForward) or a one-shot ExecSync.
import type { StreamOptions } from '../../api/remotecommand/types.ts';
import type { PodManager } from '../pod/manager.ts';
import type { CriClient } from '../runtime/cri/client.ts';
import { LABEL_CONTAINER_NAME, LABEL_POD_UID } from './labels.ts';

/** The container a streaming request names: /exec/{namespace}/{pod}[/{podUID}]/{container}. */
export interface ContainerRef {
  namespace: string;
  pod: string;
  podUID?: string;
  container: string;
}

export interface StreamingHost {
  /** The runtime's streaming URL for an exec of `cmd` in the container. */
  getExec(ref: ContainerRef, cmd: string[], opts: StreamOptions): Promise<string>;
  getAttach(ref: ContainerRef, opts: StreamOptions): Promise<string>;
  /** Runs `cmd` to its end: stdout then stderr (upstream's RunInContainer). */
  runInContainer(ref: ContainerRef, cmd: string[]): Promise<Buffer>;
  /** The runtime's port-forward URL for the pod's sandbox, and the pod's UID. */
  getPortForward(ref: PodRef): Promise<{ url: string; podUID: string }>;
  /** Whether the pod with this UID is still one the kubelet runs (not deleted). */
  hasPod(podUID: string): boolean;
}

/** The pod a port-forward names: /portForward/{namespace}/{pod}[/{podUID}]. */
export type PodRef = Omit<ContainerRef, 'container'>;

export interface StreamingHostDeps {
  pods: Pick<PodManager, 'byFullName' | 'get'>;
  cri: Pick<CriClient, 'listContainers' | 'exec' | 'attach' | 'execSync' | 'listPodSandbox' | 'portForward'>;
}

const httpError = (code: number, message: string) => Object.assign(new Error(message), { code });

export function newStreamingHost(d: StreamingHostDeps): StreamingHost {
  const findPod = (ref: PodRef) => {
    const pod = d.pods.byFullName(ref.namespace, ref.pod);
    if (!pod || (ref.podUID && pod.metadata.uid !== ref.podUID)) throw httpError(404, 'pod does not exist');
    return pod;
  };
  /** The running container's runtime ID; upstream's errors and codes when there is none. */
  const findContainer = async (ref: ContainerRef): Promise<string> => {
    const pod = findPod(ref);
    const running = await d.cri.listContainers({
      state: { state: 'CONTAINER_RUNNING' },
      labelSelector: { [LABEL_POD_UID]: pod.metadata.uid!, [LABEL_CONTAINER_NAME]: ref.container },
    });
    const newest = running.sort((a, b) => b.createdAt - a.createdAt)[0];
    if (!newest) throw httpError(500, `container not found (${JSON.stringify(ref.container)})`);
    return newest.id;
  };
  return {
    async getExec(ref, cmd, o) {
      const containerId = await findContainer(ref);
      return d.cri.exec({ containerId, cmd, tty: o.tty, stdin: o.stdin, stdout: o.stdout, stderr: o.stderr });
    },
    async getAttach(ref, o) {
      const containerId = await findContainer(ref);
      return d.cri.attach({ containerId, tty: o.tty, stdin: o.stdin, stdout: o.stdout, stderr: o.stderr });
    },
    async getPortForward(ref) {
      const pod = findPod(ref);
      const ready = await d.cri.listPodSandbox({ state: { state: 'SANDBOX_READY' }, labelSelector: { [LABEL_POD_UID]: pod.metadata.uid! } });
      const sandbox = ready.sort((a, b) => b.createdAt - a.createdAt)[0];
      if (!sandbox) throw httpError(500, `pod sandbox of ${ref.namespace}/${ref.pod} not found`);
      // No ports: each forwarded connection names its own (the port header).
      return { url: await d.cri.portForward(sandbox.id, []), podUID: pod.metadata.uid! };
    },
    hasPod: (podUID) => d.pods.get(podUID) !== undefined,
    async runInContainer(ref, cmd) {
      const containerId = await findContainer(ref);
      const r = await d.cri.execSync(containerId, cmd, 0);
      if (r.exitCode !== 0) throw httpError(500, `command '${cmd.join(' ')}' exited with ${r.exitCode}: ${Buffer.from(r.stderr).toString('utf8')}`);
      return Buffer.concat([Buffer.from(r.stdout), Buffer.from(r.stderr)]);
    },
  };
}
