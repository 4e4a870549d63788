// The harness of the conformance port (test/e2e/conformance/*.cases.ts, all run by
// test/e2e/conformance.test.ts): one cluster for the whole run — API server, a managed containerd,
// one kubelet — shared by every case file, and the few moves upstream's e2e framework makes
// (create a pod, wait for a phase, read its output) done with the real kubectl. State is waited for
// through the API directly: dozens of cases poll at once, and a kubectl process per poll would eat
// the two cores the pods need.
//
// Cases are named after the upstream test (file and `It` text), so a failure here leads to the
// case upstream; docs/conformance.md lists every upstream case and where it stands.
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { startTestCluster, type TestCluster } from '../../support/cluster.ts';
import { credentialsFromKubeconfig, TestClient } from '../../support/client.ts';
import { eventually, kubectl, kubectlOk } from '../../support/kubectl.ts';

export const BUSYBOX = 'localhost/busybox:1.35';
export const NODE = 'conformance-node';
export const NAMESPACE = 'default';

// Objects as plain JSON, as kubectl sends and returns them: cases write the manifests out in full.
export type Json = any;

export interface Framework {
  cluster: TestCluster;
  kubeconfig: string;
  api: TestClient;
  /** Runs kubectl, which must succeed; returns stdout. */
  kubectl(...args: string[]): Promise<string>;
  /** Runs kubectl and returns its exit code and output, for cases that expect it to fail. */
  kubectlResult(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }>;
  /** `kubectl create -f -` of one object (any kind); returns it as created. */
  create(obj: Json): Promise<Json>;
  /** The pod as the API has it now. */
  pod(name: string): Promise<Json>;
  /** Waits until check(pod) is truthy and returns the pod; fails with the last pod seen. */
  waitPod(name: string, what: string, check: (pod: Json) => unknown, timeoutMs?: number): Promise<Json>;
  /** Waits for phase Succeeded (failing at once on Failed). */
  waitSucceeded(name: string, timeoutMs?: number): Promise<Json>;
  /** Waits for phase Running and the Ready condition True. */
  waitRunningReady(name: string, timeoutMs?: number): Promise<Json>;
  /** `kubectl logs` of a container. */
  logs(name: string, container?: string): Promise<string>;
  /**
   * Upstream's ExecCommandInContainer: `kubectl exec` of command in the container (the pod's
   * first when none is named), which must exit 0; returns stdout with surrounding whitespace
   * trimmed, as upstream's exec helper does.
   */
  exec(name: string, container: string | undefined, ...command: string[]): Promise<string>;
  /**
   * Upstream's TestContainerOutput: create the pod (restartPolicy Never), wait for Succeeded,
   * and require each expected string (or pattern) in the container's log.
   */
  expectOutput(pod: Json, expected: (string | RegExp)[], container?: string): Promise<string>;
  /** The events whose involvedObject is the named object. */
  events(name: string): Promise<Json[]>;
  /** Deletes the pod and waits until it is gone. */
  deletePod(name: string, timeoutMs?: number): Promise<void>;
}

type Shared = Framework & { stop(): Promise<void> };
let shared: { framework: Promise<Shared>; users: number } | undefined;

/**
 * The run's cluster, started by the first caller: every case file calls this in its `before` and
 * `stop` in its `after`; the cluster stops when the last user lets go (the runner holds one
 * reference for the whole run, so files that run one after another share it too).
 */
export function startConformance(): Promise<Shared> {
  if (!shared) shared = { framework: startCluster(), users: 0 };
  const mine = shared;
  mine.users++;
  return mine.framework.then((f) => ({
    ...f,
    stop: async () => {
      if (--mine.users > 0) return;
      if (shared === mine) shared = undefined;
      await f.stop();
    },
  }));
}

/** Starts a cluster and returns the framework once the node is Ready and the default service account exists (pods are rejected without it). */
async function startCluster(): Promise<Shared> {
  const cluster = await startTestCluster();
  const kc = cluster.kubeconfig;
  await cluster.startKubelet(NODE);
  const api = new TestClient(credentialsFromKubeconfig(kc));
  const get = async (path: string) => {
    const r = await api.request('GET', path);
    if (r.status !== 200) throw new Error(`GET ${path}: ${r.status} ${r.text.slice(0, 300)}`);
    return r.json();
  };
  await eventually(async () => (await get(`/api/v1/nodes/${NODE}`)).status?.conditions?.some((c: Json) => c.type === 'Ready' && c.status === 'True'), 30_000, 'the node Ready');
  await eventually(async () => (await api.request('GET', `/api/v1/namespaces/${NAMESPACE}/serviceaccounts/default`)).status === 200, 15_000, 'the default service account');

  const pod = (name: string) => get(`/api/v1/namespaces/${NAMESPACE}/pods/${name}`);
  const waitPod = async (name: string, what: string, check: (p: Json) => unknown, timeoutMs = 60_000) => {
    let last: Json;
    try {
      return await eventually(async () => {
        last = await pod(name);
        return check(last) ? last : undefined;
      }, timeoutMs, `pod ${name}: ${what}`);
    } catch (e) {
      throw new Error(`${(e as Error).message}\nlast status: ${JSON.stringify(last?.status)}`);
    }
  };
  const f: Framework = {
    cluster,
    kubeconfig: kc,
    api,
    kubectl: (...args) => kubectlOk(kc, args),
    kubectlResult: (...args) => kubectl(kc, args),
    create: async (obj) => JSON.parse(await kubectlOk(kc, ['create', '-o', 'json', '-f', '-'], { input: JSON.stringify(obj) })),
    pod,
    waitPod,
    waitSucceeded: (name, timeoutMs) =>
      waitPod(name, 'phase Succeeded', (p) => {
        if (p.status?.phase === 'Failed') throw Object.assign(new Error(`pod ${name} Failed: ${JSON.stringify(p.status)}`), { fatal: true });
        return p.status?.phase === 'Succeeded';
      }, timeoutMs).catch(async (e) => {
        throw new Error(`${e.message}\nlogs: ${await f.logs(name).catch(() => '(none)')}`);
      }),
    waitRunningReady: (name, timeoutMs) =>
      waitPod(name, 'Running and Ready', (p) => p.status?.phase === 'Running' && p.status.conditions?.some((c: Json) => c.type === 'Ready' && c.status === 'True'), timeoutMs),
    logs: (name, container) => kubectlOk(kc, ['logs', name, ...(container ? ['-c', container] : [])]),
    exec: async (name, container, ...command) => (await kubectlOk(kc, ['exec', name, ...(container ? ['-c', container] : []), '--', ...command])).trim(),
    expectOutput: async (p, expected, container) => {
      await f.create(p);
      await f.waitSucceeded(p.metadata.name);
      const out = await f.logs(p.metadata.name, container ?? p.spec.containers[0].name);
      for (const e of expected) {
        if (typeof e === 'string') assert.ok(out.includes(e), `expected ${JSON.stringify(e)} in the output of ${p.metadata.name}:\n${out}`);
        else assert.match(out, e);
      }
      return out;
    },
    events: async (name) => (await get(`/api/v1/namespaces/${NAMESPACE}/events?fieldSelector=involvedObject.name%3D${name}`)).items,
    deletePod: async (name, timeoutMs = 60_000) => {
      await kubectlOk(kc, ['delete', 'pod', name, '--wait=false']);
      await eventually(async () => (await api.request('GET', `/api/v1/namespaces/${NAMESPACE}/pods/${name}`)).status === 404, timeoutMs, `pod ${name} gone`);
    },
  };
  return {
    ...f,
    stop: async () => {
      api.close();
      await cluster.stop();
    },
  };
}

/**
 * The run's cluster for one case file (call it inside the file's describe): started before the
 * file's cases, let go after them; the Framework returned forwards to it once started, and setUp
 * runs once it is (objects every case of the file reads).
 */
export function conformanceCluster(setUp?: (f: Framework) => Promise<void>): Framework {
  let f: Shared | undefined;
  before(async () => {
    f = await startConformance();
    await setUp?.(f);
  });
  after(async () => {
    await f?.stop();
  });
  return new Proxy({} as Framework, { get: (_, key) => f![key as keyof Framework] });
}

/** A unique, DNS-label-safe name for a case's objects: cases in one file run at once. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Math.random().toString(36).slice(2, 8)}`;
}

/** A busybox pod that runs `sh -c script` once (restartPolicy Never), with extra spec fields. */
export function shellPod(name: string, script: string, spec: Json = {}, container: Json = {}): Json {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: {
      restartPolicy: 'Never',
      terminationGracePeriodSeconds: 1,
      ...spec,
      containers: [{ name: 'c', image: BUSYBOX, command: ['sh', '-c', script], ...container }],
    },
  };
}
