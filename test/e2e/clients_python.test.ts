// Pod logs through the Debian python3-kubernetes client (issue #15, client matrix): the API
// server's pods/log and the kubelet behind it, on the real containerd, read as the client's
// read_namespaced_pod_log does it — whole, with timestamps=True, tail_lines, follow=True (Watch
// streaming lines) and previous=True. The API-only scenarios: test/integration/clients_python.test.ts.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestCluster, type TestCluster } from '../support/cluster.ts';
import { BUSYBOX_IMAGE } from '../support/containerd.ts';
import { credentialsFromKubeconfig, TestClient } from '../support/client.ts';
import { eventually } from '../support/kubectl.ts';
import { runPythonClient } from '../support/python.ts';

const node = 'node-1';
const pods = '/api/v1/namespaces/default/pods';
const line = /^line-(\d+)$/;
const stamped = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z) line-(\d+)$/;

function pod(name: string, script: string): object {
  return {
    metadata: { name },
    spec: {
      containers: [{ name: 'tick', image: BUSYBOX_IMAGE, command: ['sh', '-c', script], volumeMounts: [{ name: 'data', mountPath: '/data' }] }],
      volumes: [{ name: 'data', emptyDir: {} }],
      terminationGracePeriodSeconds: 1,
    },
  };
}

/** Line numbers of a log of "line-N" lines, checking each line's form. */
function numbers(log: string[], form = line): number[] {
  return log.map((l) => {
    const m = form.exec(l);
    assert.ok(m, `a log line of the wrong form: ${JSON.stringify(l)}`);
    return Number(m[m.length - 1]);
  });
}

const consecutive = (ns: number[]) => ns.every((n, i) => i === 0 || n === ns[i - 1] + 1);

describe('python3-kubernetes client: pod logs', () => {
  let cluster: TestCluster;
  let c: TestClient;
  const status = async (name: string) => (await c.request('GET', `${pods}/${name}`)).json().status?.containerStatuses?.[0];

  before(async () => {
    cluster = await startTestCluster();
    c = new TestClient(credentialsFromKubeconfig(cluster.kubeconfig));
    await cluster.startKubelet(node);
    await eventually(async () => (await c.request('GET', `/api/v1/nodes/${node}`)).json().status?.conditions?.some((x: any) => x.type === 'Ready' && x.status === 'True'), 20_000, 'the node Ready');
    await eventually(async () => (await c.request('GET', '/api/v1/namespaces/default/serviceaccounts/default')).status === 200, 10_000, 'the default service account');
  });
  after(async () => {
    c?.close();
    await cluster?.stop();
  });

  it('reads, tails, follows and timestamps a running container\'s log, and a restarted container\'s previous one', async () => {
    for (const p of [
      pod('ticker', 'i=0; while true; do echo line-$i; i=$((i+1)); sleep 0.2; done'),
      pod('restarted', 'if [ -f /data/ran ]; then echo second run; exec sleep 3600; fi; touch /data/ran; echo first run; exit 3'),
    ]) {
      const res = await c.request('POST', pods, p);
      assert.equal(res.status, 201, res.text);
    }
    await eventually(async () => (await status('restarted'))?.restartCount >= 1 && (await status('restarted'))?.state?.running, 60_000, 'restarted running again');
    await eventually(async () => (await status('ticker'))?.state?.running, 30_000, 'ticker running');

    const out = await runPythonClient(cluster.kubeconfig, 'logs', { namespace: 'default', ticker: 'ticker', restarted: 'restarted' });
    const whole = numbers(out.whole.trimEnd().split('\n'));
    assert.ok(whole[0] === 0 && consecutive(whole), `the whole log from line-0: ${whole.join()}`);
    const stamps = out.timestamps.trimEnd().split('\n').map((l: string) => stamped.exec(l));
    assert.ok(stamps.every(Boolean), out.timestamps);
    assert.ok(stamps.every((m: RegExpExecArray, i: number) => i === 0 || Date.parse(m[1]) >= Date.parse(stamps[i - 1][1])), 'timestamps in order');
    const tail = numbers(out.tail.trimEnd().split('\n'));
    assert.ok(tail.length === 2 && consecutive(tail) && tail[0] >= whole[whole.length - 1] - 1, `tail_lines=2: ${tail.join()}`);

    // Follow streams lines written after the request: past the last one read before it.
    const followed = numbers(out.followed);
    assert.ok(followed[0] === 0 && consecutive(followed), `followed from line-0: ${followed.join()}`);
    assert.ok(followed[followed.length - 1] > out.lastBeforeFollow + 3);
    const followedStamped = numbers(out.followedWithTimestamps, stamped);
    assert.ok(consecutive(followedStamped) && followedStamped.length === 3, `tail_lines=1 then followed: ${followedStamped.join()}`);
    assert.ok(followedStamped[0] >= out.lastBeforeFollow + 3, 'the tail starts at the end of the log');

    assert.equal(out.previous, 'first run\n');
    assert.equal(out.current, 'second run\n');
    assert.equal(out.noPrevious.status, 400);
    assert.match(out.noPrevious.body.message, /previous terminated container "tick" in pod "ticker" not found/);
  });
});
