// Port of upstream's test/e2e/common/node/lifecycle_hook.go ("Container Lifecycle Hook", the
// [NodeConformance] cases of 1.32). Upstream's netexec handler pod is a busybox stand-in that logs
// each request line (busybox_stand_ins.ts); `curl` in the exec hooks is busybox `wget`; the pause
// image of the HTTP cases is a busybox sleep. busybox has no TLS server, so the HTTPS handler
// (netexec with a self-signed certificate) is an HTTPS server in this test process, on the
// node's address (the kubelet, which runs the hook, is on this host).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { eventually } from '../../support/kubectl.ts';
import { BUSYBOX, type Framework, type Json, conformanceCluster, uniqueName } from './framework.ts';
import { cleanup, httpServerContainer, podOf } from './busybox_stand_ins.ts';

const D = '[sig-node] Container Lifecycle Hook when create a pod with lifecycle hook';
const POST_START_WAIT = 60_000; // upstream's postStartWaitTimeout is 2 minutes
const PRE_STOP_WAIT = 30_000; // as upstream
describe(D, { concurrency: true }, () => {
  const f = conformanceCluster();
  let https: Server;
  let httpsPort: number;
  const httpsRequests: string[] = [];

  before(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'conf-hook-tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key'), '-out', join(dir, 'crt'), '-subj', '/CN=localhost', '-days', '1'], { stdio: 'ignore' });
    https = createServer({ key: readFileSync(join(dir, 'key')), cert: readFileSync(join(dir, 'crt')) }, (req, res) => {
      httpsRequests.push(`${req.method} ${req.url}`);
      res.end('ok');
    });
    rmSync(dir, { recursive: true, force: true });
    await new Promise<void>((r) => https.listen(0, '127.0.0.1', r));
    httpsPort = (https.address() as { port: number }).port;
  });
  after(async () => {
    https?.close();
  });

  /** The BeforeEach: a handler pod (netexec stand-in on 8080) per case; returns its name and IP. */
  const handler = async () => {
    const name = uniqueName('pod-handle-http-request');
    await f.create(podOf(name, [httpServerContainer('container-handle-http-request', [8080])]));
    return { name, ip: (await f.waitRunningReady(name)).status.podIP as string };
  };
  /** getPodWithHook: one container with the lifecycle; it ends at once on SIGTERM. */
  const podWithHook = (name: string, lifecycle: Json) =>
    podOf(uniqueName(name), [{ name, image: BUSYBOX, command: ['sh', '-c', 'trap "exit 0" TERM; while true; do sleep 1; done'], lifecycle }]);
  /** testPodWithHook: create and wait; check postStart; delete (grace 15 s) and wait; check preStop. */
  const testPodWithHook = async (pod: Json, seen: (msg: string) => Promise<boolean>) => {
    const name = pod.metadata.name;
    const lc = pod.spec.containers[0].lifecycle;
    await f.create(pod);
    await f.waitRunningReady(name);
    if (lc.postStart) await eventually(() => seen('poststart'), POST_START_WAIT, 'GET /echo?msg=poststart at the handler');
    await f.kubectl('delete', 'pod', name, '--grace-period=15', '--wait=false');
    await eventually(async () => (await f.api.request('GET', `/api/v1/namespaces/default/pods/${name}`)).status === 404, 60_000, `pod ${name} gone`);
    if (lc.preStop) await eventually(() => seen('prestop'), PRE_STOP_WAIT, 'GET /echo?msg=prestop at the handler');
  };
  const inLog = (h: string) => async (msg: string) => new RegExp(`GET /echo\\?msg=${msg}`).test(await f.logs(h, 'container-handle-http-request'));
  const inHttpsLog = async (msg: string) => httpsRequests.includes(`GET /echo?msg=${msg}`);

  it(`${D} should execute poststart exec hook properly [NodeConformance] [Conformance]`, async () => {
    const h = await handler();
    await testPodWithHook(podWithHook('pod-with-poststart-exec-hook', {
      postStart: { exec: { command: ['sh', '-c', `wget -q -O- http://${h.ip}:8080/echo?msg=poststart`] } },
    }), inLog(h.name));
    await cleanup(f, h.name);
  });

  it(`${D} should execute prestop exec hook properly [NodeConformance] [Conformance]`, async () => {
    const h = await handler();
    await testPodWithHook(podWithHook('pod-with-prestop-exec-hook', {
      preStop: { exec: { command: ['sh', '-c', `wget -q -O- http://${h.ip}:8080/echo?msg=prestop`] } },
    }), inLog(h.name));
    await cleanup(f, h.name);
  });

  it(`${D} should execute poststart http hook properly [NodeConformance] [Conformance]`, async () => {
    const h = await handler();
    await testPodWithHook(podWithHook('pod-with-poststart-http-hook', {
      postStart: { httpGet: { path: '/echo?msg=poststart', host: h.ip, port: 8080 } },
    }), inLog(h.name));
    await cleanup(f, h.name);
  });

  it(`${D} should execute poststart https hook properly [MinimumKubeletVersion:1.23] [NodeConformance]`, async () => {
    await testPodWithHook(podWithHook('pod-with-poststart-https-hook', {
      postStart: { httpGet: { scheme: 'HTTPS', path: '/echo?msg=poststart', host: '127.0.0.1', port: httpsPort } },
    }), inHttpsLog);
  });

  it(`${D} should execute prestop http hook properly [NodeConformance] [Conformance]`, async () => {
    const h = await handler();
    await testPodWithHook(podWithHook('pod-with-prestop-http-hook', {
      preStop: { httpGet: { path: '/echo?msg=prestop', host: h.ip, port: 8080 } },
    }), inLog(h.name));
    await cleanup(f, h.name);
  });

  it(`${D} should execute prestop https hook properly [MinimumKubeletVersion:1.23] [NodeConformance]`, async () => {
    await testPodWithHook(podWithHook('pod-with-prestop-https-hook', {
      preStop: { httpGet: { scheme: 'HTTPS', path: '/echo?msg=prestop', host: '127.0.0.1', port: httpsPort } },
    }), inHttpsLog);
  });
});
