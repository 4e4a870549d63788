// Our SPDY server ends against the real kubectl (client-go over Go's moby/spdystream): a fake
// API server that serves a pod, answers kubectl's WebSocket attempt with an upgrade failure so
// kubectl falls back to SPDY, and serves pods/exec and pods/portforward with
// acceptRemoteCommand and acceptPortForward.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { eventually, kubectl, kubectlStream } from '../support/kubectl.ts';
import { acceptRemoteCommand } from '../../src/api/remotecommand/spdy.ts';
import { acceptPortForward } from '../../src/api/remotecommand/spdy_portforward.ts';
import { exitCodeStatus } from '../../src/api/remotecommand/exitstatus.ts';

const POD = {
  apiVersion: 'v1', kind: 'Pod',
  metadata: { name: 'p', namespace: 'default', uid: 'uid-p' },
  spec: { containers: [{ name: 'c', image: 'busybox' }] },
  status: { phase: 'Running' },
};

/** Just enough discovery for kubectl to map pods. */
const DISCOVERY: Record<string, unknown> = {
  '/api': { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1' }] },
  '/apis': { kind: 'APIGroupList', apiVersion: 'v1', groups: [] },
  '/api/v1': {
    kind: 'APIResourceList', groupVersion: 'v1', resources: [
      { name: 'pods', singularName: 'pod', namespaced: true, kind: 'Pod', verbs: ['get', 'list'], shortNames: ['po'] },
      { name: 'pods/exec', singularName: '', namespaced: true, kind: 'PodExecOptions', verbs: ['create', 'get'] },
      { name: 'pods/portforward', singularName: '', namespaced: true, kind: 'PodPortForwardOptions', verbs: ['create', 'get'] },
    ],
  },
  '/api/v1/namespaces/default/pods/p': POD,
};

let server: http.Server;
let echo: net.Server;
let dir: string;
let kubeconfig: string;
const upgrades: string[] = [];

/** The "container": `cat` echoes stdin until EOF; `fail` writes to stderr and exits 3. */
async function serveExec(req: http.IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
  const command = new URL(req.url!, 'http://x').searchParams.getAll('command');
  const rc = await acceptRemoteCommand(req, socket, head);
  if (command[0] === 'fail') {
    rc.stderr?.write('failing on purpose\n');
    await rc.finish(exitCodeStatus(3));
    return;
  }
  rc.stdin!.pipe(rc.stdout!, { end: false });
  await once(rc.stdin!, 'end');
  await rc.finish(exitCodeStatus(0));
}

function onUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
  upgrades.push(`${req.method} ${String(req.headers.upgrade)} ${new URL(req.url!, 'http://x').pathname}`);
  const path = new URL(req.url!, 'http://x').pathname;
  try {
    if (path.endsWith('/portforward')) {
      acceptPortForward(req, socket, head, async (port, data) => {
        if (port !== 8080) throw new Error(`nothing listens on ${port}`);
        const conn = net.connect((echo.address() as net.AddressInfo).port, '127.0.0.1');
        data.pipe(conn);
        conn.pipe(data);
        await once(conn, 'close');
      });
    } else {
      serveExec(req, socket, head).catch(() => socket.destroy());
    }
  } catch { /* the handshake answered an HTTP error (the WebSocket attempt): kubectl falls back */ }
}

describe('kubectl exec and port-forward over SPDY against our server ends', { timeout: 60_000 }, () => {
  before(async () => {
    echo = net.createServer((c) => c.pipe(c)).listen(0, '127.0.0.1');
    server = http.createServer((req, res) => {
      const body = DISCOVERY[new URL(req.url!, 'http://x').pathname];
      if (req.method === 'GET' && body) {
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
      } else {
        res.writeHead(404, { 'Content-Type': 'application/json' }).end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404 }));
      }
    });
    server.on('upgrade', onUpgrade);
    server.listen(0, '127.0.0.1');
    await Promise.all([once(server, 'listening'), once(echo, 'listening')]);
    dir = mkdtempSync(join(tmpdir(), 'berth-spdy-kubectl-'));
    kubeconfig = join(dir, 'kubeconfig');
    const port = (server.address() as net.AddressInfo).port;
    writeFileSync(kubeconfig, [
      'apiVersion: v1', 'kind: Config', 'current-context: t',
      'clusters: [{name: t, cluster: {server: "http://127.0.0.1:' + port + '"}}]',
      'contexts: [{name: t, context: {cluster: t, user: u, namespace: default}}]',
      'users: [{name: u, user: {token: x}}]', '',
    ].join('\n'));
  });
  after(() => {
    server?.close();
    echo?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('kubectl exec -i: stdin to EOF through SPDY after the WebSocket attempt is refused; exit 0', async () => {
    const input = 'from kubectl\n'.repeat(10_000); // 130 KB: past spdystream's reads and our windows
    const r = await kubectl(kubeconfig, ['exec', '-i', 'p', '--', 'cat'], { input });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, input);
    assert.ok(upgrades.some((u) => /SPDY\/3\.1 .*\/exec$/.test(u)), upgrades.join('\n'));
  });

  test('kubectl exec: stderr apart and the exit code from the v4 Status', async () => {
    const r = await kubectl(kubeconfig, ['exec', 'p', '--', 'fail']);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /failing on purpose/);
    assert.match(r.stderr, /command terminated with exit code 3/);
  });

  test('kubectl port-forward: a local connection reaches the pod port through stream pairs', async () => {
    const pf = kubectlStream(kubeconfig, ['port-forward', 'pod/p', ':8080']);
    try {
      const local = await eventually(() => /Forwarding from 127\.0\.0\.1:(\d+) -> 8080/.exec(pf.output())?.[1], 20_000, 'kubectl to listen');
      const conn = net.connect(Number(local), '127.0.0.1');
      let got = '';
      conn.on('data', (d: Buffer) => (got += d.toString()));
      conn.write('through kubectl\n');
      await eventually(() => got === 'through kubectl\n', 10_000, 'the echo');
      conn.destroy();
    } finally {
      await pf.stop();
    }
  });
});
