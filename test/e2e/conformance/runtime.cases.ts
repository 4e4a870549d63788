// Port of upstream's test/e2e/common/node/runtime.go ("Container Runtime blackbox test"), the
// cases tagged [NodeConformance]. No registry is reachable from this machine, so the image-pull
// cases pull from a registry in this test process: the OCI distribution API's three reads
// (/v2/, manifests, blobs) over plain HTTP on localhost, serving the busybox root filesystem
// under upstream's image names (agnhost; an alpine that needs credentials, with Basic auth
// standing in for gcr.io's).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { busyboxLayer } from '../../../src/containerd/images.ts';
import { BUSYBOX, type Framework, type Json, conformanceCluster, uniqueName } from './framework.ts';
import { podOf, statusOf } from './busybox_stand_ins.ts';

const D = '[sig-node] Container Runtime blackbox test';
const RETRY = 60_000; // upstream's ContainerStatusRetryTimeout is 5 minutes; every state here comes within seconds
const stateOf = (s: Json) => (s?.state?.running ? 'Running' : s?.state?.terminated ? 'Terminated' : s?.state?.waiting ? 'Waiting' : 'Unknown');

const REGISTRY_USER = 'image-pulling';
const REGISTRY_PASSWORD = 'conformance';

/** A read-only registry of one image (busybox, CMD sh) under every name; names under private/ need Basic auth. */
function startRegistry(): Promise<{ server: Server; host: string }> {
  const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
  const layer = busyboxLayer();
  const config = Buffer.from(JSON.stringify({
    architecture: ({ x64: 'amd64', arm64: 'arm64' } as Record<string, string>)[process.arch] ?? process.arch,
    os: 'linux',
    config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: ['sh'] },
    rootfs: { type: 'layers', diff_ids: [sha(layer)] },
  }));
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha(config), size: config.length },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: sha(layer), size: layer.length }],
  }));
  const blobs = new Map([[sha(config), config], [sha(layer), layer], [sha(manifest), manifest]]);
  const basic = `Basic ${Buffer.from(`${REGISTRY_USER}:${REGISTRY_PASSWORD}`).toString('base64')}`;
  const server = createServer((req, res) => {
    const url = req.url ?? '';
    const send = (status: number, body: Buffer, type = 'application/octet-stream', digest?: string) => {
      res.writeHead(status, { 'Content-Type': type, 'Content-Length': body.length, 'Docker-Distribution-API-Version': 'registry/2.0', ...(digest ? { 'Docker-Content-Digest': digest } : {}) });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (url.startsWith('/v2/private/') && req.headers.authorization !== basic) {
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="conformance"', 'Content-Type': 'application/json' });
      return res.end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
    }
    if (url === '/v2/' || url === '/v2') return send(200, Buffer.from('{}'), 'application/json');
    const m = /^\/v2\/.+\/(manifests|blobs)\/([^/?]+)$/.exec(url);
    if (m?.[1] === 'manifests') return send(200, manifest, 'application/vnd.oci.image.manifest.v1+json', sha(manifest));
    const blob = m && blobs.get(m[2]);
    if (blob) return send(200, blob, 'application/octet-stream', m[2]);
    send(404, Buffer.from('{"errors":[{"code":"NOT_FOUND"}]}'), 'application/json');
  });
  return new Promise((r) => server.listen(0, '127.0.0.1', () => r({ server, host: `localhost:${(server.address() as { port: number }).port}` })));
}

describe(D, { concurrency: true }, () => {
  const f = conformanceCluster();
  let registry: { server: Server; host: string };
  before(async () => {
    registry = await startRegistry();
  });
  after(async () => {
    registry?.server.close();
  });

  /** Upstream's ConformanceContainer: one container in a pod, found again by the pod's name. */
  const container = (name: string, c: Json, restartPolicy: string, volumes: Json[] = []) => podOf(uniqueName('terminate-cmd'), [{ ...c, name }], { restartPolicy, volumes });

  it(`${D} when starting a container that exits should run with the expected status [NodeConformance] [Conformance]`, async () => {
    const script = `
f=/restart-count/restartCount
count=$(echo 'hello' >> $f ; wc -l $f | awk {'print $1'})
if [ $count -eq 1 ]; then
	exit 1
fi
if [ $count -eq 2 ]; then
	exit 0
fi
while true; do sleep 1; done
`;
    const cases = [
      { name: 'terminate-cmd-rpa', policy: 'Always', phase: 'Running', state: 'Running', restartCount: 2, ready: true },
      { name: 'terminate-cmd-rpof', policy: 'OnFailure', phase: 'Succeeded', state: 'Terminated', restartCount: 1, ready: false },
      { name: 'terminate-cmd-rpn', policy: 'Never', phase: 'Failed', state: 'Terminated', restartCount: 0, ready: false },
    ];
    // Upstream runs the three one after another; they share nothing, so here they run at once.
    await Promise.all(cases.map(async (tc) => {
      const pod = container(tc.name, {
        image: BUSYBOX, command: ['sh', '-c', script], volumeMounts: [{ mountPath: '/restart-count', name: 'restart-count' }],
      }, tc.policy, [{ name: 'restart-count', emptyDir: { medium: 'Memory' } }]);
      const name = pod.metadata.name;
      await f.create(pod);
      await f.waitPod(name, `${tc.name}: restartCount ${tc.restartCount}`, (p) => statusOf(p, tc.name)?.restartCount === tc.restartCount, RETRY);
      const p = await f.waitPod(name, `${tc.name}: phase ${tc.phase}`, (x) => x.status?.phase === tc.phase, RETRY);
      const s = statusOf(p, tc.name);
      assert.equal(s.ready, tc.ready, `${tc.name}: Ready`);
      assert.equal(stateOf(s), tc.state, `${tc.name}: State`);
      // "should be possible to delete"
      await f.deletePod(name, RETRY);
    }));
  });

  /** Upstream's matchTerminationMessage: run to the phase, then read the terminated state's message. */
  const matchTerminationMessage = async (c: Json, phase: string, message: string) => {
    const pod = container('termination-message-container', { image: BUSYBOX, ...c }, 'Never');
    const name = pod.metadata.name;
    await f.create(pod);
    const p = await f.waitPod(name, `phase ${phase}`, (x) => x.status?.phase === phase, RETRY);
    const s = statusOf(p, 'termination-message-container');
    assert.equal(stateOf(s), 'Terminated');
    assert.equal(s.state.terminated.message ?? '', message);
    await f.deletePod(name, RETRY);
  };

  it(`${D} on terminated container should report termination message if TerminationMessagePath is set [NodeConformance]`, async () => {
    await matchTerminationMessage({
      command: ['/bin/sh', '-c'], args: ['/bin/echo -n DONE > /dev/termination-log'],
      terminationMessagePath: '/dev/termination-log', securityContext: { runAsUser: 0 },
    }, 'Succeeded', 'DONE');
  });

  it(`${D} on terminated container should report termination message if TerminationMessagePath is set as non-root user and at a non-default path [NodeConformance] [Conformance]`, async () => {
    await matchTerminationMessage({
      command: ['/bin/sh', '-c'], args: ['/bin/echo -n DONE > /dev/termination-custom-log'],
      terminationMessagePath: '/dev/termination-custom-log', securityContext: { runAsUser: 10000 },
    }, 'Succeeded', 'DONE');
  });

  it(`${D} on terminated container should report termination message from log output if TerminationMessagePolicy FallbackToLogsOnError is set [NodeConformance] [Conformance]`, async () => {
    await matchTerminationMessage({
      command: ['/bin/sh', '-c'], args: ['/bin/echo -n DONE; /bin/false'],
      terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'FallbackToLogsOnError',
    }, 'Failed', 'DONE');
  });

  it(`${D} on terminated container should report termination message as empty when pod succeeds and TerminationMessagePolicy FallbackToLogsOnError is set [NodeConformance] [Conformance]`, async () => {
    await matchTerminationMessage({
      command: ['/bin/sh', '-c'], args: ['/bin/echo -n DONE; /bin/true'],
      terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'FallbackToLogsOnError',
    }, 'Succeeded', '');
  });

  it(`${D} on terminated container should report termination message from file when pod succeeds and TerminationMessagePolicy FallbackToLogsOnError is set [NodeConformance] [Conformance]`, async () => {
    await matchTerminationMessage({
      command: ['/bin/sh', '-c'], args: ['/bin/echo -n OK > /dev/termination-log; /bin/echo DONE; /bin/true'],
      terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'FallbackToLogsOnError',
    }, 'Succeeded', 'OK');
  });

  /**
   * Upstream's imagePullTest: PullAlways, restartPolicy Never. Expecting a pull failure, the
   * container waits with ErrImagePull or ImagePullBackOff; else it runs. Then the pod's phase.
   */
  const imagePullTest = async (image: string, hasSecret: boolean, expectedPhase: string, expectedPullStatus: boolean) => {
    const pod = podOf(uniqueName('image-pull-test'), [{
      name: 'image-pull-test', image, command: ['/bin/sh', '-c', 'while true; do sleep 1; done'], imagePullPolicy: 'Always',
    }], { restartPolicy: 'Never' });
    if (hasSecret) {
      // The service account only has pull permission
      const secret = uniqueName('image-pull-secret');
      const auth = Buffer.from(`${REGISTRY_USER}:${REGISTRY_PASSWORD}`).toString('base64');
      await f.create({
        apiVersion: 'v1', kind: 'Secret', metadata: { name: secret }, type: 'kubernetes.io/dockerconfigjson',
        data: { '.dockerconfigjson': Buffer.from(JSON.stringify({ auths: { [`http://${registry.host}`]: { auth } } })).toString('base64') },
      });
      pod.spec.imagePullSecrets = [{ name: secret }];
    }
    const name = pod.metadata.name;
    await f.create(pod);
    const p = await f.waitPod(name, expectedPullStatus ? 'waiting on the image pull' : 'running', (x) => {
      const s = statusOf(x, 'image-pull-test')?.state;
      const pulled = expectedPullStatus ? ['ErrImagePull', 'ImagePullBackOff'].includes(s?.waiting?.reason) : !!s?.running;
      return pulled && x.status.phase === expectedPhase;
    }, RETRY);
    assert.equal(p.status.phase, expectedPhase);
    await f.deletePod(name, RETRY);
  };
  const N = `${D} when running a container with a new image`;

  it(`${N} should not be able to pull image from invalid registry [NodeConformance]`, async () => {
    await imagePullTest('invalid.registry.k8s.io/invalid/alpine:3.1', false, 'Pending', true);
  });

  it(`${N} should be able to pull image [NodeConformance]`, async () => {
    await imagePullTest(`${registry.host}/e2e-test-images/agnhost:2.53`, false, 'Running', false);
  });

  it(`${N} should not be able to pull from private registry without secret [NodeConformance]`, async () => {
    await imagePullTest(`${registry.host}/private/authenticated-image-pulling/alpine:3.7`, false, 'Pending', true);
  });

  it(`${N} should be able to pull from private registry with secret [NodeConformance]`, async () => {
    await imagePullTest(`${registry.host}/private/authenticated-image-pulling/alpine:3.7`, true, 'Running', false);
  });
});
