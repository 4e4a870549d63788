// kubectl exec and attach end to end (issue #16): the real kubectl v1.32 opens a WebSocket
// (v5.channel.k8s.io) to the API server, which tunnels it to the kubelet, which bridges it to
// containerd's streaming server.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { request } from 'node:https';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { startClusterWithNode, type TestCluster } from '../support/cluster.ts';
import { eventually, kubectl, kubectlOk } from '../support/kubectl.ts';

const node = 'node-1';
const busybox = 'localhost/busybox:1.35';

/** Runs a command line under `script`, so that kubectl's stdin and stdout are a pseudo-terminal. */
function underTerminal(kubeconfig: string, commandLine: string, timeoutMs = 30_000): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qec', commandLine, '/dev/null'], { env: { ...process.env, KUBECONFIG: kubeconfig }, stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, output });
    });
  });
}

describe('kubectl exec and attach', () => {
  let cluster: TestCluster;
  let kc: string;
  const k = (...args: string[]) => kubectlOk(kc, args);

  before(async () => {
    cluster = await startClusterWithNode(node);
    kc = cluster.kubeconfig;
    const pod = (name: string, command: string[], extra: object = {}) => ({
      apiVersion: 'v1', kind: 'Pod', metadata: { name },
      spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'main', image: busybox, command, ...extra }] },
    });
    await kubectlOk(kc, ['apply', '-f', '-'], { input: JSON.stringify(pod('shell', ['sleep', '3600'])) });
    await kubectlOk(kc, ['apply', '-f', '-'], { input: JSON.stringify(pod('ticker', ['sh', '-c', 'i=0; while true; do echo tick $i; i=$((i+1)); sleep 1; done'])) });
    await kubectlOk(kc, ['apply', '-f', '-'], { input: JSON.stringify(pod('echo', ['nc', '-ll', '-p', '8080', '-e', 'cat'])) });
    const web = 'mkdir -p /www && echo hello > /www/index.html && httpd -p 8080 -h /www && exec nc -ll -p 9090 -e cat';
    await kubectlOk(kc, ['apply', '-f', '-'], { input: JSON.stringify(pod('web', ['sh', '-c', web])) });
    for (const name of ['shell', 'ticker', 'echo', 'web']) await k('wait', '--for=condition=Ready', `pod/${name}`, '--timeout=60s');
  });
  after(async () => {
    await cluster?.stop();
  });

  it('kubectl exec -- echo hi prints hi and exits 0', async () => {
    const r = await kubectl(kc, ['exec', 'shell', '--', 'echo', 'hi']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'hi\n');
    // Nothing came before kubectl had its streams ("Unknown stream id ..., discarding message").
    assert.equal(r.stderr, '');
  });

  it('keeps stdout and stderr apart and exits with the command\'s exit code', async () => {
    const r = await kubectl(kc, ['exec', 'shell', '--', 'sh', '-c', 'echo out; echo err >&2; exit 3']);
    assert.equal(r.code, 3, r.stderr);
    assert.equal(r.stdout, 'out\n');
    assert.match(r.stderr, /^err$/m);
    assert.match(r.stderr, /command terminated with exit code 3/);
  });

  it('kubectl exec -i passes stdin to the command', async () => {
    // A command that does not wait for end-of-file sees the data.
    const r = await kubectl(kc, ['exec', '-i', 'shell', '--', 'head', '-n', '1'], { input: 'data\n' });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'data\n');
  });

  it('carries 20 MiB of output and 1 MiB of input whole', async () => {
    const size = 20 * 1024 * 1024;
    const out = await kubectl(kc, ['exec', 'shell', '--', 'head', '-c', String(size), '/dev/zero'], { timeoutMs: 60_000 });
    assert.equal(out.code, 0, out.stderr);
    assert.equal(Buffer.byteLength(out.stdout), size);
    const input = 'x'.repeat(1024 * 1024);
    const counted = await kubectl(kc, ['exec', '-i', 'shell', '--', 'sh', '-c', `head -c ${input.length} | wc -c`], { input, timeoutMs: 60_000 });
    assert.equal(counted.code, 0, counted.stderr);
    assert.equal(counted.stdout.trim(), String(input.length));
  });

  it('kubectl exec -i ... cat ends at stdin\'s end-of-file (v5 CLOSE, then SPDY to containerd)', async () => {
    const r = await kubectl(kc, ['exec', '-i', 'shell', '--', 'cat'], { input: 'data\n', timeoutMs: 10_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'data\n');
  });

  it('kubectl exec over SPDY (KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false), through the API server\'s tunnel', async () => {
    const spdy = { KUBECTL_REMOTE_COMMAND_WEBSOCKETS: 'false' };
    const r = await kubectl(kc, ['exec', 'shell', '--', 'sh', '-c', 'echo spdy; echo err >&2; exit 4'], { env: spdy });
    assert.equal(r.stdout, 'spdy\n', r.stderr);
    assert.match(r.stderr, /^err$/m);
    assert.equal(r.code, 4, r.stderr);
    const cat = await kubectl(kc, ['exec', '-i', 'shell', '--', 'cat'], { input: 'over spdy\n', env: spdy, timeoutMs: 10_000 });
    assert.equal(cat.code, 0, cat.stderr);
    assert.equal(cat.stdout, 'over spdy\n');
  });

  it('kubectl exec -it gets a terminal of the client\'s size', async () => {
    // The container waits (10 s at most) for the resize kubectl sends at start, then reports.
    const inner = 'tty; i=0; while [ $i -lt 100 ]; do s=$(stty size 2>/dev/null); case "$s" in ""|"0 0") i=$((i+1)); sleep 0.1;; *) break;; esac; done; echo "size $s"';
    const r = await underTerminal(kc, `stty cols 91 rows 27; kubectl exec -it shell -- sh -c '${inner}'`);
    assert.equal(r.code, 0, r.output);
    assert.match(r.output, /^\/dev\/pts\/\d+\r?$/m);
    assert.match(r.output, /^size 27 91\r?$/m);
  });

  it('kubectl attach streams a running container\'s output until interrupted', async () => {
    const child = spawn('kubectl', ['attach', 'ticker'], { env: { ...process.env, KUBECONFIG: kc }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    try {
      // Two new lines show the stream is live, not a replay of the log.
      const first = Number(/tick (\d+)/.exec(await eventually(() => /tick \d+/.test(out) && out, 15_000, 'a tick'))![1]);
      await eventually(() => out.includes(`tick ${first + 2}`), 15_000, 'later ticks');
    } finally {
      child.kill('SIGINT');
    }
    // The container keeps running after the client leaves.
    await eventually(async () => (await kubectl(kc, ['exec', 'ticker', '--', 'true'])).code === 0, 10_000, 'ticker still running');
  });

  it('kubectl attach -i sends stdin to a container that reads it', async () => {
    await kubectlOk(kc, ['apply', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'v1', kind: 'Pod', metadata: { name: 'reader' },
        spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'main', image: busybox, stdin: true, command: ['sh', '-c', 'while read line; do echo "got $line"; done'] }] },
      }),
    });
    await k('wait', '--for=condition=Ready', 'pod/reader', '--timeout=60s');
    const child = spawn('kubectl', ['attach', '-i', 'reader'], { env: { ...process.env, KUBECONFIG: kc }, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    try {
      // kubectl may attach after a line is written: write until one comes back.
      await eventually(() => (child.stdin.write('hello\n'), out.includes('got hello')), 15_000, 'the echoed line');
    } finally {
      child.kill('SIGINT');
    }
  });

  it('kubectl run -i --rm --restart=Never prints the command\'s output and leaves no pod', async () => {
    // The command waits for its input, so its output cannot come before kubectl has attached
    // (attach streams from then on, as upstream's; a command that prints at once may race it).
    const r = await kubectl(kc, ['run', 'once', '-i', '--rm', '--restart=Never', `--image=${busybox}`, '--', 'sh', '-c', 'read line; echo "got $line"'], { input: 'hello\n', timeoutMs: 60_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^got hello$/m);
    await eventually(async () => (await kubectl(kc, ['get', 'pod', 'once'])).code !== 0, 30_000, 'the pod deleted');
  });

  it('kubectl run -it --rm gives the command a terminal, then deletes the pod', async () => {
    const child = spawn('script', ['-qec', `kubectl run tty-once -it --rm --restart=Never --image=${busybox} -- sh -c 'read x; tty; echo "typed $x"'`, '/dev/null'], { env: { ...process.env, KUBECONFIG: kc }, stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      // A line typed before kubectl has attached reaches nobody: type it until the answer comes.
      await eventually(async () => {
        if ((await kubectl(kc, ['get', 'pod', 'tty-once', '-o', 'jsonpath={.status.phase}'])).stdout === 'Running') child.stdin.write('go\r');
        return /\/dev\/pts\/\d+/.test(output) && /typed go/.test(output);
      }, 30_000, `the command's answer (${output})`);
      assert.equal(await exited, 0, output);
      assert.match(output, /pod "tty-once" deleted/);
    } finally {
      child.kill('SIGKILL');
    }
    await eventually(async () => (await kubectl(kc, ['get', 'pod', 'tty-once'])).code !== 0, 30_000, 'the pod deleted');
  });

  it('answers an unknown pod or container with the API server\'s Status', async () => {
    const pod = await kubectl(kc, ['exec', 'nosuch', '--', 'true']);
    assert.equal(pod.code, 1);
    assert.match(pod.stderr, /NotFound.*pods "nosuch" not found/);
    const container = await kubectl(kc, ['exec', 'shell', '-c', 'nosuch', '--', 'true']);
    assert.equal(container.code, 1);
    assert.match(container.stderr, /container nosuch is not valid for pod shell/);
  });

  it('answers a container that is not running with the kubelet\'s error', async () => {
    await kubectlOk(kc, ['apply', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'v1', kind: 'Pod', metadata: { name: 'twin' },
        spec: { restartPolicy: 'Never', terminationGracePeriodSeconds: 1, containers: [{ name: 'main', image: busybox, command: ['sleep', '3600'] }, { name: 'done', image: busybox, command: ['true'] }] },
      }),
    });
    await eventually(async () => {
      const pod = JSON.parse(await k('get', 'pod', 'twin', '-o', 'json'));
      const states = new Map(pod.status?.containerStatuses?.map((c: { name: string; state: object }) => [c.name, c.state]));
      return (states.get('main') as { running?: object })?.running && (states.get('done') as { terminated?: object })?.terminated;
    }, 60_000, 'twin running with one container done');
    const r = await kubectl(kc, ['exec', 'twin', '-c', 'done', '--', 'true']);
    assert.equal(r.code, 1);
    // The kubelet's 500 becomes an InternalError Status at the API server.
    assert.match(r.stderr, /^Error from server \(InternalError\): Internal error occurred: container not found \("done"\)$/m);
  });

  it('refuses a node identity on pods/exec and on the kubelet\'s streaming paths (403)', async () => {
    const nodeKubeconfig = join(cluster.work, `${node}.kubeconfig`);
    const r = await kubectl(nodeKubeconfig, ['exec', 'shell', '--', 'true']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Forbidden.*cannot (create|get) resource "pods\/exec"/);
    // The kubelet asks the API server (SubjectAccessReview on nodes/proxy): a node may not.
    const user = (parse(await readFile(nodeKubeconfig, 'utf8')) as { users: Array<{ user: Record<string, string> }> }).users[0].user;
    const cert = Buffer.from(user['client-certificate-data'], 'base64');
    const key = Buffer.from(user['client-key-data'], 'base64');
    const port = cluster.kubelets.get(node)!.port;
    for (const [path, method] of [['/exec/default/shell/main?command=true&stdout=1', 'GET'], ['/attach/default/shell/main?stdout=1', 'GET'], ['/run/default/shell/main?cmd=true', 'POST']]) {
      const answer = await new Promise<{ code: number; body: string }>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, path, method, cert, key, rejectUnauthorized: false }, (res) => {
          let body = '';
          res.on('data', (d) => (body += d));
          res.on('end', () => resolve({ code: res.statusCode ?? 0, body }));
        });
        req.on('error', reject);
        req.end();
      });
      assert.equal(answer.code, 403, `${method} ${path}: ${answer.body}`);
      assert.match(answer.body, /Forbidden \(user=system:node:node-1, verb=(get|create), resource=nodes, subresource=proxy\)/);
    }
  });

  it('refuses an unauthenticated client on every streaming path of the kubelet and the API server (401)', async () => {
    const kubelet = `https://127.0.0.1:${cluster.kubelets.get(node)!.port}`;
    const upgrade = { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Protocol': 'v5.channel.k8s.io' };
    const statusOf = (url: string, method: string) => new Promise<number>((resolve, reject) => {
      const req = request(url, { method, headers: upgrade, rejectUnauthorized: false }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('upgrade', () => reject(new Error(`${url} upgraded without credentials`)));
      req.on('error', reject);
      req.end();
    });
    const pods = `${cluster.api.url}/api/v1/namespaces/default/pods/shell`;
    for (const [url, method] of [
      [`${kubelet}/exec/default/shell/main?command=true&stdout=1`, 'GET'],
      [`${kubelet}/attach/default/shell/main?stdout=1`, 'GET'],
      [`${kubelet}/run/default/shell/main?cmd=true`, 'POST'],
      [`${pods}/exec?command=true&stdout=true`, 'GET'],
      [`${pods}/exec?command=true&stdout=true`, 'POST'],
      [`${pods}/attach?stdout=true`, 'GET'],
    ]) {
      assert.equal(await statusOf(url, method), 401, `${method} ${url}`);
    }
  });

  it('runs a one-shot command through the kubelet\'s /run (nodes/proxy)', async () => {
    const out = await k('create', '--raw', `/api/v1/nodes/${node}/proxy/run/default/shell/main?cmd=echo%20ran`, '-f', '/dev/null');
    assert.equal(out, 'ran\n');
  });

  /** Runs kubectl port-forward to the echo pod, sends a line through the local port and reads it back. */
  async function echoThroughPortForward(env: Record<string, string>): Promise<{ echoed: string; log: string }> {
    // -v=4 logs client-go's fallback from the WebSocket dialer to SPDY, if it happens.
    const child = spawn('kubectl', ['port-forward', '-v=4', 'pod/echo', ':8080'], { env: { ...process.env, KUBECONFIG: kc, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    try {
      const local = await eventually(() => /Forwarding from 127\.0\.0\.1:(\d+) -> 8080/.exec(output)?.[1], 20_000, `port-forward to start (${output})`);
      const { connect } = await import('node:net');
      const socket = connect(Number(local), '127.0.0.1');
      let echoed = '';
      socket.on('data', (d) => (echoed += d));
      socket.on('error', () => {});
      socket.write('ping through the tunnel\n');
      await eventually(() => echoed.includes('\n'), 15_000, `the echo (${output})`);
      socket.destroy();
      return { echoed, log: output };
    } finally {
      child.kill('SIGINT');
    }
  }

  it('kubectl port-forward carries a connection to the pod (WebSocket-tunnelled SPDY, kubectl 1.32\'s default)', async () => {
    const { echoed, log } = await echoThroughPortForward({});
    assert.equal(echoed, 'ping through the tunnel\n');
    assert.doesNotMatch(log, /fallback to secondary dialer/i, 'the WebSocket tunnel itself carried it');
  });

  it('kubectl port-forward over plain SPDY (KUBECTL_PORT_FORWARD_WEBSOCKETS=false)', async () => {
    assert.equal((await echoThroughPortForward({ KUBECTL_PORT_FORWARD_WEBSOCKETS: 'false' })).echoed, 'ping through the tunnel\n');
  });

  it('kubectl port-forward of two ports at once: 20 concurrent HTTP requests to httpd, and an echo', async () => {
    const child = spawn('kubectl', ['port-forward', 'pod/web', ':8080', ':9090'], { env: { ...process.env, KUBECONFIG: kc }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    try {
      const local = (port: number) => new RegExp(`Forwarding from 127\\.0\\.0\\.1:(\\d+) -> ${port}`).exec(output)?.[1];
      await eventually(() => local(8080) && local(9090), 20_000, `both forwards (${output})`);
      const { get } = await import('node:http');
      const fetchOnce = () =>
        new Promise<string>((resolve, reject) => {
          get({ host: '127.0.0.1', port: Number(local(8080)), path: '/', agent: false }, (res) => {
            let body = '';
            res.on('data', (d) => (body += d));
            res.on('end', () => resolve(`${res.statusCode} ${body}`));
          }).on('error', reject);
        });
      const answers = await Promise.all(Array.from({ length: 20 }, fetchOnce));
      assert.deepEqual(answers, Array(20).fill('200 hello\n'));
      const { connect } = await import('node:net');
      const socket = connect(Number(local(9090)), '127.0.0.1');
      let echoed = '';
      socket.on('data', (d) => (echoed += d));
      socket.on('error', () => {});
      socket.write('second port\n');
      await eventually(() => echoed.includes('\n'), 15_000, 'the echo on the second port');
      socket.destroy();
      assert.equal(echoed, 'second port\n');
    } finally {
      child.kill('SIGINT');
    }
  });

  for (const [transport, env] of [['WebSocket', {}], ['SPDY', { KUBECTL_PORT_FORWARD_WEBSOCKETS: 'false' }]] as const) {
    it(`kubectl port-forward (${transport}) ends with "lost connection to pod" once its pod is deleted, with no connection open`, async () => {
      const name = `gone-${transport.toLowerCase()}`;
      const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'main', image: busybox, command: ['nc', '-ll', '-p', '8080', '-e', 'cat'] }] } };
      await kubectlOk(kc, ['apply', '-f', '-'], { input: JSON.stringify(pod) });
      await k('wait', '--for=condition=Ready', `pod/${name}`, '--timeout=60s');
      const child = spawn('kubectl', ['port-forward', `pod/${name}`, ':8080'], { env: { ...process.env, KUBECONFIG: kc, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (d) => (output += d));
      child.stderr.on('data', (d) => (output += d));
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      try {
        await eventually(() => /Forwarding from 127\.0\.0\.1:\d+ -> 8080/.test(output), 20_000, `port-forward to start (${output})`);
        await k('delete', 'pod', name, '--wait=true');
        // The kubelet looks once a second; kubectl then ends by itself.
        const code = await Promise.race([exited, new Promise<string>((r) => setTimeout(() => r('still running'), 10_000))]);
        assert.equal(code, 1, output);
        assert.match(output, /error: lost connection to pod/);
      } finally {
        child.kill('SIGINT');
      }
    });
  }

  it('kubectl cp copies a 5 MiB random file and a directory into the container and back, checksums equal', async () => {
    const { mkdtemp, mkdir, writeFile, readFile: read, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { createHash, randomBytes } = await import('node:crypto');
    const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    const dir = await mkdtemp(join(tmpdir(), 'berth-cp-'));
    try {
      const content = randomBytes(5 * 1024 * 1024);
      await writeFile(join(dir, 'in.bin'), content);
      await mkdir(join(dir, 'tree', 'sub'), { recursive: true });
      await writeFile(join(dir, 'tree', 'a.txt'), 'a\n');
      await writeFile(join(dir, 'tree', 'sub', 'b.txt'), 'b\n');
      for (const [from, to] of [[join(dir, 'in.bin'), 'shell:/tmp/in.bin'], [join(dir, 'tree'), 'shell:/tmp/tree']]) {
        const up = await kubectl(kc, ['cp', from, to], { timeoutMs: 60_000 });
        assert.equal(up.code, 0, up.stderr);
      }
      assert.equal((await kubectl(kc, ['exec', 'shell', '--', 'sha256sum', '/tmp/in.bin'])).stdout.split(' ')[0], sha(content));
      assert.equal((await kubectl(kc, ['exec', 'shell', '--', 'cat', '/tmp/tree/a.txt', '/tmp/tree/sub/b.txt'])).stdout, 'a\nb\n');
      for (const [from, to] of [['shell:/tmp/in.bin', join(dir, 'out.bin')], ['shell:/tmp/tree', join(dir, 'back')]]) {
        const down = await kubectl(kc, ['cp', from, to], { timeoutMs: 60_000 });
        assert.equal(down.code, 0, down.stderr);
      }
      assert.equal(sha(await read(join(dir, 'out.bin'))), sha(content));
      assert.equal(await read(join(dir, 'back', 'sub', 'b.txt'), 'utf8'), 'b\n');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
