// Pod management end to end: pods from the API server, a manifest directory and a URL, run by
// a kubelet process on the real containerd, observed with the real kubectl.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startTestCluster, type TestCluster } from '../support/cluster.ts';
import { eventually, kubectl, kubectlOk } from '../support/kubectl.ts';

const node = 'node-1';
const busybox = 'localhost/busybox:1.35';

describe('pod lifecycle', () => {
  let cluster: TestCluster;
  let kc: string;
  let manifestServer: Server;
  let served: object = { apiVersion: 'v1', kind: 'PodList', items: [] };
  const k = (...args: string[]) => kubectlOk(kc, args);
  const apply = (obj: object) => kubectlOk(kc, ['apply', '-f', '-'], { input: JSON.stringify(obj) });
  const podJson = async (name: string) => JSON.parse(await k('get', 'pod', name, '-o', 'json'));
  const cs = (pod: any, name: string) => pod.status?.containerStatuses?.find((c: any) => c.name === name);
  const phase = async (name: string) => (await podJson(name)).status?.phase;
  const podContainers = async (uid: string) =>
    (await cluster.ctrd.cri.listContainers({ labelSelector: { 'io.kubernetes.pod.uid': uid } })).filter((c) => c.state === 'CONTAINER_RUNNING');

  before(async () => {
    manifestServer = createServer((_req, res) => res.end(JSON.stringify(served)));
    await new Promise<void>((r) => manifestServer.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(manifestServer.address() as { port: number }).port}/pods`;
    cluster = await startTestCluster();
    kc = cluster.kubeconfig;
    await cluster.startKubelet(node, ['--manifest-url', url, '--http-check-frequency', '2s']);
    await eventually(async () => /Ready/.test(await k('get', 'node', node)), 20_000, 'the node');
    // Pods are admitted once their default service account exists.
    await eventually(async () => (await kubectl(kc, ['get', 'serviceaccount', 'default'])).code === 0, 10_000, 'the default service account');
  });
  after(async () => {
    await cluster?.stop();
    manifestServer?.close();
  });

  it('runs a pod with an init container, env from a configmap and a secret, shared emptyDir and a configMap volume', async () => {
    await apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings' }, data: { greeting: 'hello', mode: 'fast' } });
    await apply({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'creds' }, stringData: { password: 's3cret' } });
    await apply({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web', labels: { app: 'web' } },
      spec: {
        initContainers: [{ name: 'init', image: busybox, command: ['sh', '-c', 'echo initialized > /work/index.html; echo init done'], volumeMounts: [{ name: 'work', mountPath: '/work' }] }],
        containers: [
          {
            name: 'server',
            image: busybox,
            command: ['sh', '-c', 'echo "$GREETING $PASSWORD"; cat /config/greeting; echo; exec httpd -f -p 8080 -h /work'],
            env: [
              { name: 'GREETING', valueFrom: { configMapKeyRef: { name: 'settings', key: 'greeting' } } },
              { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'creds', key: 'password' } } },
            ],
            ports: [{ containerPort: 8080 }],
            volumeMounts: [{ name: 'work', mountPath: '/work' }, { name: 'config', mountPath: '/config' }],
          },
          {
            name: 'writer',
            image: busybox,
            command: ['sh', '-c', 'echo "writer sees `cat /work/index.html` in $mode mode"; exec sleep 3600'],
            envFrom: [{ configMapRef: { name: 'settings' } }],
            volumeMounts: [{ name: 'work', mountPath: '/work' }],
          },
        ],
        volumes: [{ name: 'work', emptyDir: {} }, { name: 'config', configMap: { name: 'settings' } }],
        terminationGracePeriodSeconds: 2,
      },
    });
    await eventually(async () => /^web\s+2\/2\s+Running/m.test(await k('get', 'pods')), 30_000, 'web Running 2/2');
    assert.match(await k('logs', 'web', '-c', 'init'), /init done/);
    const server = await k('logs', 'web', '-c', 'server');
    assert.match(server, /hello s3cret/);
    assert.match(server, /^hello$/m);
    assert.match(await k('logs', 'web', '-c', 'writer'), /writer sees initialized in fast mode/);
    // A container that never restarted has no previous log: upstream's 400 reaches kubectl as a Status (issue #15 item 3).
    const noPrevious = await kubectl(kc, ['logs', 'web', '-c', 'server', '--previous']);
    assert.notEqual(noPrevious.code, 0);
    assert.match(noPrevious.stderr, /Error from server \(BadRequest\): previous terminated container "server" in pod "web" not found/);
    const wide = await k('get', 'pod', 'web', '-o', 'wide');
    const ip = /^web\s+\S+\s+\S+\s+\S+\s+\S+\s+(\d+\.\d+\.\d+\.\d+)\s+node-1/m.exec(wide)?.[1];
    assert.ok(ip, wide);
    const body = await eventually(async () => {
      const r = await fetch(`http://${ip}:8080/`);
      return r.ok ? r.text() : undefined;
    }, 10_000, 'the pod to answer on its IP');
    assert.equal(body.trim(), 'initialized');
    const pod = await podJson('web');
    assert.equal(pod.status.podIP, ip);
    assert.ok(pod.status.conditions.some((c: any) => c.type === 'Ready' && c.status === 'True'));
    assert.equal(pod.status.initContainerStatuses[0].state.terminated.reason, 'Completed');
  });

  it('recreates only the container whose image changed', async () => {
    const before = await podJson('web');
    await k('patch', 'pod', 'web', '-p', JSON.stringify({ spec: { containers: [{ name: 'writer', image: 'localhost/busybox:latest' }] } }));
    const after = await eventually(async () => {
      const p = await podJson('web');
      const w = cs(p, 'writer');
      return w?.restartCount === 1 && w.state.running && p.spec.containers[1].image === 'localhost/busybox:latest' ? p : undefined;
    }, 30_000, 'the writer to be recreated');
    assert.equal(cs(after, 'server').containerID, cs(before, 'server').containerID);
    assert.equal(cs(after, 'server').restartCount, 0);
    assert.notEqual(cs(after, 'writer').containerID, cs(before, 'writer').containerID);
  });

  it('honours restart policies: OnFailure succeeds, Never fails, a memory hog is OOMKilled', async () => {
    const pod = (name: string, restartPolicy: string, script: string, extra: object = {}) =>
      apply({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { restartPolicy, containers: [{ name: 'c', image: busybox, command: ['sh', '-c', script], ...extra }] } });
    await pod('done', 'OnFailure', 'exit 0');
    await pod('broken', 'Never', 'exit 1');
    await pod('hog', 'Never', 'x=$(head -c 200000000 /dev/zero | tr "\\000" a); echo survived', { resources: { limits: { memory: '32Mi' } } });
    await eventually(async () => (await phase('done')) === 'Succeeded', 30_000, 'done Succeeded');
    await eventually(async () => (await phase('broken')) === 'Failed', 30_000, 'broken Failed');
    assert.equal(cs(await podJson('broken'), 'c').state.terminated.exitCode, 1);
    const hog = await eventually(async () => {
      const p = await podJson('hog');
      return p.status.phase === 'Failed' ? p : undefined;
    }, 30_000, 'hog Failed');
    assert.equal(cs(hog, 'c').state.terminated.reason, 'OOMKilled');
    assert.equal(cs(hog, 'c').state.terminated.exitCode, 137);
  });

  it('backs off a crashing container: CrashLoopBackOff with growing delays', async () => {
    await apply({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'crasher' }, spec: { containers: [{ name: 'c', image: busybox, command: ['sh', '-c', 'date; exit 1'] }] } });
    const starts: number[] = [];
    await eventually(async () => {
      const c = cs(await podJson('crasher'), 'c');
      const last = c?.lastState?.terminated?.startedAt;
      const current = c?.state?.terminated?.startedAt ?? c?.state?.running?.startedAt;
      for (const t of [last, current]) if (t && !starts.includes(Date.parse(t))) starts.push(Date.parse(t));
      starts.sort((a, b) => a - b);
      return starts.length >= 4;
    }, 90_000, 'four starts of the crasher');
    const gaps = starts.slice(1).map((t, i) => (t - starts[i]) / 1000);
    // The first restart is immediate (no back-off yet), then 10 s, then 20 s.
    assert.ok(gaps[1] >= 9.5, `second gap ${gaps[1]} s`);
    assert.ok(gaps[2] >= 19.5, `third gap ${gaps[2]} s`);
    const waiting = await eventually(async () => cs(await podJson('crasher'), 'c')?.state?.waiting, 30_000, 'a waiting state');
    assert.equal(waiting.reason, 'CrashLoopBackOff');
    assert.match(await k('get', 'pod', 'crasher'), /CrashLoopBackOff|Error/);
    assert.match(await k('get', 'events', '--field-selector', 'involvedObject.name=crasher,reason=BackOff'), /Back-off restarting failed container c/);
    // The previous instance's log is there too (each run printed the date).
    assert.match(await k('logs', 'crasher', '--previous'), /\d{2}:\d{2}:\d{2}/);
    await k('delete', 'pod', 'crasher', '--wait=false');
  });

  it('mirrors static pods from a file and a URL; a broken manifest stands alone', async () => {
    const dir = cluster.kubelets.get(node)!.manifests;
    // No registry here: even :latest must come from the local store.
    const manifest = (image: string) => JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'static-web' }, spec: { containers: [{ name: 'c', image, imagePullPolicy: 'IfNotPresent', command: ['sleep', '3600'] }] } });
    await writeFile(join(dir, 'web.json'), manifest(busybox));
    await writeFile(join(dir, 'broken.yaml'), 'apiVersion: v1\nkind: Pod\nmetadata: {name: broken}\nspec: {containers: [{name: c}]}\n');
    served = { apiVersion: 'v1', kind: 'PodList', items: [{ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'from-url' }, spec: { containers: [{ name: 'c', image: busybox, command: ['sleep', '3600'] }] } }] };
    const mirror = await eventually(async () => {
      const p = JSON.parse((await kubectl(kc, ['get', 'pod', `static-web-${node}`, '-o', 'json'])).stdout || '{}');
      return p.status?.phase === 'Running' ? p : undefined;
    }, 30_000, 'the static pod mirror Running');
    assert.ok(mirror.metadata.annotations['kubernetes.io/config.mirror']);
    assert.equal(mirror.metadata.ownerReferences[0].kind, 'Node');
    await eventually(async () => (await kubectl(kc, ['get', 'pod', `from-url-${node}`, '-o', 'jsonpath={.status.phase}'])).stdout === 'Running', 30_000, 'the URL pod Running');
    assert.match(cluster.kubelets.get(node)!.log(), /broken\.yaml/);

    // Deleting the mirror pod brings it back.
    await k('delete', 'pod', `static-web-${node}`, '--wait=false');
    await eventually(async () => {
      const p = JSON.parse((await kubectl(kc, ['get', 'pod', `static-web-${node}`, '-o', 'json'])).stdout || '{}');
      return p.metadata?.uid && p.metadata.uid !== mirror.metadata.uid ? p : undefined;
    }, 20_000, 'the mirror pod recreated');

    // A changed manifest restarts the pod with the new spec and replaces the mirror.
    await writeFile(join(dir, 'web.json'), manifest('localhost/busybox:latest'));
    await eventually(async () => {
      const p = JSON.parse((await kubectl(kc, ['get', 'pod', `static-web-${node}`, '-o', 'json'])).stdout || '{}');
      return p.spec?.containers?.[0]?.image === 'localhost/busybox:latest' && p.status?.phase === 'Running';
    }, 40_000, 'the mirror pod to follow the manifest');

    // Removing the manifest (and emptying the URL) removes the pods and their mirrors.
    await rm(join(dir, 'web.json'));
    served = { apiVersion: 'v1', kind: 'PodList', items: [] };
    await eventually(async () => {
      const names = await k('get', 'pods', '-o', 'name');
      return !names.includes('static-web') && !names.includes('from-url');
    }, 40_000, 'the mirrors to vanish');
    await rm(join(dir, 'broken.yaml'));
  });

  it('deletes a pod within its grace period after running preStop, leaving nothing in the runtime', async () => {
    const marker = join(cluster.work, 'prestop-ran');
    await apply({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'graceful' },
      spec: {
        terminationGracePeriodSeconds: 15,
        containers: [{
          name: 'c',
          image: busybox,
          command: ['sh', '-c', 'trap "exit 0" TERM; while true; do sleep 1; done'],
          lifecycle: { preStop: { exec: { command: ['sh', '-c', 'echo bye > /host/prestop-ran'] } } },
          volumeMounts: [{ name: 'host', mountPath: '/host' }],
        }],
        volumes: [{ name: 'host', hostPath: { path: cluster.work, type: 'Directory' } }],
      },
    });
    await eventually(async () => (await phase('graceful')) === 'Running', 30_000, 'graceful Running');
    const uid = (await podJson('graceful')).metadata.uid;
    const started = Date.now();
    await k('delete', 'pod', 'graceful', '--timeout=30s');
    assert.ok(Date.now() - started < 15_000, `deleted in ${Date.now() - started} ms`);
    assert.ok(existsSync(marker), 'preStop ran');
    assert.equal((await readFile(marker, 'utf8')).trim(), 'bye');
    await eventually(async () => (await podContainers(uid)).length === 0, 10_000, 'no containers left');
    const sandboxes = await cluster.ctrd.cri.listPodSandbox({ labelSelector: { 'io.kubernetes.pod.uid': uid } });
    assert.equal(sandboxes.filter((s) => s.state === 'SANDBOX_READY').length, 0);
  });

  it('deletes a pod whose postStart hook hangs at once: the deletion cancels the sync in flight', async () => {
    const marker = join(cluster.work, 'hook-started');
    await apply({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'hanging-hook' },
      spec: {
        terminationGracePeriodSeconds: 2,
        containers: [{
          name: 'c',
          image: busybox,
          command: ['sleep', '3600'],
          lifecycle: { postStart: { exec: { command: ['sh', '-c', 'touch /host/hook-started; sleep 3600'] } } },
          volumeMounts: [{ name: 'host', mountPath: '/host' }],
        }],
        volumes: [{ name: 'host', hostPath: { path: cluster.work, type: 'Directory' } }],
      },
    });
    await eventually(async () => existsSync(marker), 30_000, 'the postStart hook running');
    const uid = (await podJson('hanging-hook')).metadata.uid;
    const started = Date.now();
    await k('delete', 'pod', 'hanging-hook', '--timeout=60s');
    // The hook would hold the sync for an hour; the grace period is 2 s, the rest is API round trips.
    assert.ok(Date.now() - started < 10_000, `deleted in ${Date.now() - started} ms`);
    await eventually(async () => (await podContainers(uid)).length === 0, 10_000, 'no containers left');
  });

  it('adopts 20 running pods after kill -9: no restarts, no duplicates', async () => {
    for (let i = 0; i < 20; i++) {
      await apply({ apiVersion: 'v1', kind: 'Pod', metadata: { name: `many-${i}`, labels: { many: 'yes' } }, spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image: busybox, command: ['sleep', '3600'] }] } });
    }
    const running = async () => JSON.parse(await k('get', 'pods', '-l', 'many=yes', '-o', 'json')).items.filter((p: any) => p.status.phase === 'Running' && cs(p, 'c')?.ready);
    await eventually(async () => (await running()).length === 20, 60_000, '20 pods Running');
    const before = new Map((await running()).map((p: any) => [p.metadata.name, cs(p, 'c').containerID]));
    await cluster.killKubelet(node);
    await cluster.startKubelet(node, ['--manifest-url', 'http://127.0.0.1:1/none', '--http-check-frequency', '20s']);
    await new Promise((r) => setTimeout(r, 8000));
    const after = await eventually(async () => {
      const pods = await running();
      return pods.length === 20 ? pods : undefined;
    }, 30_000, '20 pods Running after the restart');
    for (const p of after) {
      assert.equal(cs(p, 'c').restartCount, 0, p.metadata.name);
      assert.equal(cs(p, 'c').containerID, before.get(p.metadata.name), p.metadata.name);
      assert.equal((await podContainers(p.metadata.uid)).length, 1, `one container for ${p.metadata.name}`);
    }
    await k('delete', 'pods', '-l', 'many=yes', '--wait=false');
  });
});
