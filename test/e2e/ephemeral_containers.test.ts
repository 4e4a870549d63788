// Ephemeral containers end to end: the real `kubectl debug` (1.32) patches pods/ephemeralcontainers,
// the kubelet starts the debugger in the running pod on the real containerd, in the target's PID
// namespace, and reports it in status.ephemeralContainerStatuses; `kubectl logs -c` reads it.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { startClusterWithNode, type TestCluster } from '../support/cluster.ts';
import { eventually, kubectl, kubectlOk } from '../support/kubectl.ts';

const node = 'node-1';
const busybox = 'localhost/busybox:1.35';

describe('ephemeral containers (kubectl debug)', () => {
  let cluster: TestCluster;
  let kc: string;
  const k = (...args: string[]) => kubectlOk(kc, args);
  const podJson = async (name: string) => JSON.parse(await k('get', 'pod', name, '-o', 'json'));
  const ecStatus = (pod: any, name: string) => pod.status?.ephemeralContainerStatuses?.find((c: any) => c.name === name);

  before(async () => {
    cluster = await startClusterWithNode(node);
    kc = cluster.kubeconfig;
    await kubectlOk(kc, ['apply', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'v1', kind: 'Pod', metadata: { name: 'target' },
        spec: {
          // The target's command is what the debugger's `ps` must show.
          containers: [{ name: 'app', image: busybox, command: ['sh', '-c', 'exec sleep 7777'] }],
          terminationGracePeriodSeconds: 1,
        },
      }),
    });
    await eventually(async () => (await podJson('target')).status?.phase === 'Running', 30_000, 'the target pod running');
  });
  after(async () => {
    await cluster?.stop();
  });

  it("kubectl debug --target adds a debugger that runs, logs, and sees the target's processes", async () => {
    const out = await kubectl(kc, ['debug', 'target', `--image=${busybox}`, '--target=app', '--', 'sh', '-c', 'echo from-debug; ps; exec sleep 3600']);
    assert.equal(out.code, 0, out.stderr);
    const pod = await podJson('target');
    const ecs = pod.spec.ephemeralContainers ?? [];
    assert.equal(ecs.length, 1, 'spec.ephemeralContainers holds the debugger');
    const name: string = ecs[0].name;
    assert.match(name, /^debugger-/);
    assert.equal(ecs[0].targetContainerName, 'app');
    assert.equal(ecs[0].image, busybox);

    const running = await eventually(async () => {
      const s = ecStatus(await podJson('target'), name);
      return s?.state?.running ? s : undefined;
    }, 30_000, 'the debugger running');
    assert.equal(running.ready, false);
    assert.match(running.containerID, /^containerd:\/\//);

    const logs = await eventually(async () => {
      const text = await k('logs', 'target', '-c', name);
      return /sleep 7777/.test(text) ? text : undefined;
    }, 15_000, "the debugger's ps output");
    assert.match(logs, /^from-debug$/m);
    // The target's process is PID 1 of the shared namespace.
    assert.match(logs, /^\s*1\s+\S+\s+.*sleep 7777/m);

    // The pod is unchanged otherwise: its app container was not restarted.
    const after_ = await podJson('target');
    assert.equal(after_.status.containerStatuses[0].restartCount, 0);
    assert.equal(after_.status.phase, 'Running');
  });

  it('kubectl debug -i attaches to the new debugger: it reads stdin and answers', async () => {
    // stdin stays open until the answer is in: kubectl debug leaves stdinOnce unset, and for such
    // a container containerd detaches the output as soon as the attached stdin ends.
    const child = spawn('kubectl', ['debug', '-i', 'target', `--image=${busybox}`, '--target=app', '-c', 'dbg-stdin', '--', 'sh', '-c', 'read line; echo "got $line"'], { env: { ...process.env, KUBECONFIG: kc }, stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      child.stdin.write('hello\n');
      await eventually(() => /^got hello$/m.test(output), 30_000, `the debugger's answer (${output})`);
      child.stdin.end();
      assert.equal(await exited, 0, output);
    } finally {
      child.kill('SIGKILL');
    }
    const s = await eventually(async () => ecStatus(await podJson('target'), 'dbg-stdin')?.state?.terminated, 15_000, 'the debugger ended');
    assert.equal(s.exitCode, 0);
  });

  it('kubectl debug -it gives the debugger a terminal, and it sees the target\'s processes', async () => {
    // Under `script`, kubectl's stdin and stdout are a pseudo-terminal. The debugger waits for a
    // line, so nothing it prints is lost before kubectl has attached.
    const child = spawn('script', ['-qec', `kubectl debug -it target --image=${busybox} --target=app -c dbg-tty -- sh -c 'read x; tty; ps'`, '/dev/null'], { env: { ...process.env, KUBECONFIG: kc }, stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      await eventually(async () => ecStatus(await podJson('target'), 'dbg-tty')?.state?.running, 30_000, 'the tty debugger running');
      // Until kubectl has attached, a line typed now would reach nobody: retype until the answer comes.
      await eventually(() => {
        child.stdin.write('go\r');
        return /\/dev\/pts\/\d+/.test(output) && /sleep 7777/.test(output);
      }, 20_000, `the debugger's answer (${output})`);
      assert.equal(await exited, 0, output);
      assert.doesNotMatch(output, /not a tty/);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('kubectl debug --copy-to makes a copy of the pod with the debugger beside its containers, sharing processes', async () => {
    // kubectl sets shareProcessNamespace only when --share-processes is given (its default is not sent).
    const out = await kubectl(kc, ['debug', 'target', '--copy-to=target-copy', '--share-processes', `--image=${busybox}`, '-c', 'dbg', '--', 'sh', '-c', 'until ps | grep -q "[s]leep 7777"; do sleep 0.2; done; ps; exec sleep 3600']);
    assert.equal(out.code, 0, out.stderr);
    const copy = await eventually(async () => {
      const p = await podJson('target-copy');
      return p.status?.phase === 'Running' && p.status.containerStatuses?.every((c: any) => c.state?.running) ? p : undefined;
    }, 30_000, 'the copy running');
    assert.deepEqual(copy.spec.containers.map((c: any) => c.name), ['app', 'dbg']);
    assert.equal(copy.spec.shareProcessNamespace, true);
    assert.equal(copy.spec.ephemeralContainers, undefined, 'the copy leaves out the original\'s ephemeral containers');
    // One PID namespace for the pod: the debugger's ps shows the app's sleep (it looks until it
    // does, since the two containers start one after the other; apart, it never would).
    await eventually(async () => /sleep 7777/.test(await k('logs', 'target-copy', '-c', 'dbg')), 15_000, "the debugger's ps showing the app");
    await k('delete', 'pod', 'target-copy', '--wait=false');
  });

  it('refuses a debugger whose target does not exist, naming the field and value', async () => {
    const out = await kubectl(kc, ['debug', 'target', `--image=${busybox}`, '--target=nope', '-c', 'bad', '--', 'true']);
    assert.notEqual(out.code, 0);
    assert.match(out.stderr, /spec\.ephemeralContainers\[\d+\]\.targetContainerName: Not found: "nope"/);
    const pod = await podJson('target');
    assert.equal(pod.spec.ephemeralContainers.some((c: any) => c.name === 'bad'), false);
  });

  it('an ephemeral container may not be removed through the subresource', async () => {
    const pod = await podJson('target');
    pod.spec.ephemeralContainers = [];
    const out = await kubectl(kc, ['replace', '--raw', `/api/v1/namespaces/default/pods/target/ephemeralcontainers`, '-f', '-'], { input: JSON.stringify(pod) });
    assert.notEqual(out.code, 0);
    assert.match(out.stderr + out.stdout, /existing ephemeral containers \\?"debugger-[a-z0-9]+\\?" may not be removed/);
  });
});
