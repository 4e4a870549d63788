// Resource monitoring end to end on real containerd: a CPU burner under a 500m limit, a pod
// holding 200 MiB, a pod writing to an emptyDir and a web server; the Summary API, the resource
// and cAdvisor metrics, and the kubelet API's authentication, read the way users read them.
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { get as httpGet } from 'node:http';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium } from 'playwright-core';
import { startTestCluster, type TestCluster } from '../support/cluster.ts';
import { eventually, kubectl, kubectlOk } from '../support/kubectl.ts';
import { freePort } from '../support/ports.ts';
import { promtoolCheck } from '../support/promtool.ts';

const node = 'node-1';
const busybox = 'localhost/busybox:1.35';
const MiB = 1024 * 1024;

type PodStats = { podRef: { name: string }; cpu?: { usageNanoCores?: number }; memory?: { workingSetBytes?: number }; network?: { rxBytes?: number; txBytes?: number }; containers: { name: string; cpu?: { usageNanoCores?: number; usageCoreNanoSeconds?: number }; memory?: { workingSetBytes?: number } }[]; volume?: { name: string; usedBytes?: number }[]; 'ephemeral-storage'?: { usedBytes?: number } };
type Summary = { node: { nodeName: string; cpu?: { usageNanoCores?: number }; memory?: { workingSetBytes?: number }; fs?: { capacityBytes?: number }; runtime?: { imageFs?: { usedBytes?: number } } }; pods: PodStats[] };

function pod(name: string, script: string, extra: Record<string, unknown> = {}, container: Record<string, unknown> = {}) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { app: name } },
    spec: { terminationGracePeriodSeconds: 0, ...extra, containers: [{ name: 'main', image: busybox, command: ['sh', '-c', script], ...container }] },
  };
}

/** One request to the kubelet's own port, with or without a bearer token (no client certificate). */
function kubeletGet(port: number, path: string, token?: string): Promise<{ code: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, rejectUnauthorized: false, headers: token ? { Authorization: `Bearer ${token}` } : {} }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ code: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('resource monitoring', () => {
  let cluster: TestCluster;
  let kc: string;
  let kubeletPort: number;
  let uiPort: number;
  const k = (...args: string[]) => kubectlOk(kc, args);
  const raw = (path: string) => k('get', '--raw', `/api/v1/nodes/${node}/proxy${path}`);
  const summary = async (): Promise<Summary> => JSON.parse(await raw('/stats/summary'));
  const podStats = (s: Summary, name: string) => s.pods.find((p) => p.podRef.name === name);

  before(async () => {
    cluster = await startTestCluster({ metricResolutionMs: 2_000 });
    kc = cluster.kubeconfig;
    uiPort = await freePort();
    const kubelet = await cluster.startKubelet(node, ['--housekeeping-interval', '2s', '--volume-stats-agg-period', '2s', '--cadvisor-port', String(uiPort)]);
    kubeletPort = kubelet.port;
    await eventually(async () => /Ready/.test(await k('get', 'node', node)), 20_000, 'the node');
    await eventually(async () => (await kubectl(kc, ['get', 'serviceaccount', 'default'])).code === 0, 10_000, 'the default service account');
    const apply = (obj: object) => kubectlOk(kc, ['apply', '-f', '-'], { input: JSON.stringify(obj) });
    await apply(pod('burner', 'while :; do :; done', {}, { resources: { limits: { cpu: '500m', memory: '64Mi' } } }));
    await apply(
      pod('holder', 'dd if=/dev/zero of=/fill/x bs=1M count=200 2>/dev/null; sleep 3600', { volumes: [{ name: 'fill', emptyDir: { medium: 'Memory' } }] }, {
        resources: { limits: { memory: '512Mi' } },
        volumeMounts: [{ name: 'fill', mountPath: '/fill' }],
      }),
    );
    await apply(pod('writer', 'sleep 8; dd if=/dev/zero of=/data/f bs=1M count=8 2>/dev/null; sleep 3600', { volumes: [{ name: 'data', emptyDir: {} }] }, { volumeMounts: [{ name: 'data', mountPath: '/data' }] }));
    await apply(pod('web', 'mkdir -p /www && dd if=/dev/zero of=/www/blob bs=1M count=1 2>/dev/null && httpd -f -p 8080 -h /www'));
    await eventually(async () => (await k('get', 'pods', '-o', 'jsonpath={.items[*].status.phase}')).split(' ').filter((p) => p === 'Running').length === 4, 90_000, 'four running pods');
  });
  after(async () => {
    await cluster?.stop();
  });

  it('shows the burner near its 0.5-core limit and the holder near 200 MiB, within the node totals', async () => {
    // Two housekeeping intervals (2 s) give a rate; allow a few more for a loaded machine.
    const s = await eventually(async () => {
      const x = await summary();
      const b = podStats(x, 'burner')?.cpu?.usageNanoCores;
      const h = podStats(x, 'holder')?.memory?.workingSetBytes;
      return b !== undefined && b > 0.25e9 && h !== undefined && h > 195 * MiB ? x : undefined;
    }, 30_000, 'burner CPU and holder memory in the Summary API');
    const burner = podStats(s, 'burner')!;
    const holder = podStats(s, 'holder')!;
    // CFS quota caps the burner at 0.5 core; a busy shared machine may give it less, never much more.
    assert.ok(burner.cpu!.usageNanoCores! <= 0.6e9, `burner uses ${burner.cpu!.usageNanoCores} nanocores`);
    assert.ok(burner.containers[0].cpu!.usageNanoCores! > 0.25e9);
    // 200 MiB of tmpfs pages are charged to the holder, plus its shell; nothing else is big.
    assert.ok(holder.memory!.workingSetBytes! < 260 * MiB, `holder working set ${holder.memory!.workingSetBytes}`);
    assert.ok(holder.containers[0].memory!.workingSetBytes! > 195 * MiB);
    assert.ok(s.node.cpu!.usageNanoCores! >= burner.cpu!.usageNanoCores! * 0.8, 'node CPU includes the burner');
    assert.ok(s.node.memory!.workingSetBytes! >= holder.memory!.workingSetBytes!, 'node memory includes the holder');
    assert.equal(s.node.nodeName, node);
    assert.ok(s.node.fs!.capacityBytes! > 0);
    assert.ok(s.node.runtime!.imageFs!.usedBytes! > 0);
  });

  it('serves the same numbers as /metrics/resource and /metrics/cadvisor', async () => {
    const text = await raw('/metrics/resource');
    const m = /^pod_memory_working_set_bytes\{namespace="default",pod="holder"\} (\S+) (\d+)$/m.exec(text);
    assert.ok(m, text);
    assert.ok(Number(m[1]) > 195 * MiB && Number(m[1]) < 260 * MiB);
    assert.match(text, /^container_cpu_usage_seconds_total\{container="main",namespace="default",pod="burner"\} [\d.e+]+ \d+$/m);
    assert.match(text, /^container_start_time_seconds\{container="main",namespace="default",pod="web"\} /m);
    assert.match(text, /^node_cpu_usage_seconds_total [\d.e+]+ \d+$/m);
    assert.match(text, /^scrape_error 0$/m);
    const cadvisor = await raw('/metrics/cadvisor');
    assert.match(cadvisor, /^container_memory_working_set_bytes\{container="main",id="\/kubepods\/[^"]+",image="[^"]*",name="[0-9a-f]{64}",namespace="default",pod="holder"\} \d+ \d+$/m);
    assert.match(cadvisor, /^container_network_receive_bytes_total\{container="",id="\/kubepods\/[^"]+",image="",name="",namespace="default",pod="web",interface="eth0"\} \d+ \d+$/m);
    assert.match(cadvisor, /^machine_cpu_cores \d+$/m);
  });

  it('serves the kubelet\'s own metrics, and promtool accepts every metrics endpoint', async () => {
    const own = await raw('/metrics');
    assert.match(own, /^kubelet_node_name\{node="node-1"\} 1$/m);
    assert.match(own, /^kubelet_running_pods \d+$/m);
    assert.match(own, /^kubelet_runtime_operations_total\{operation_type="run_podsandbox"\} \d+$/m);
    assert.match(own, /^kubelet_pleg_relist_duration_seconds_count \d+$/m);
    assert.match(own, /^kubelet_pod_start_duration_seconds_count [1-9]\d*$/m);
    for (const path of ['/metrics', '/metrics/resource', '/metrics/cadvisor', '/metrics/probes']) {
      const r = await promtoolCheck(await raw(path));
      assert.ok(r.ok, `${path}: ${r.output}`);
    }
  });

  it('shows the live node and pod pages in Chromium, and the cAdvisor API beside them', async () => {
    const ui = `http://127.0.0.1:${uiPort}`;
    const rows: { name: string; cpu?: number; mem?: number }[] = (await (await fetch(`${ui}/api/ui/node`)).json()).pods;
    const burnerRow = rows.find((r) => r.name === 'burner')!;
    const holderRow = rows.find((r) => r.name === 'holder')!;
    assert.ok(burnerRow.cpu! > 0.25 && burnerRow.cpu! <= 0.6, `UI burner CPU ${burnerRow.cpu}`);
    assert.ok(holderRow.mem! > 195 * MiB && holderRow.mem! < 260 * MiB, `UI holder memory ${holderRow.mem}`);
    const machine = await (await fetch(`${ui}/api/v1.3/machine`)).json();
    assert.ok(machine.num_cores > 0 && machine.memory_capacity > 0);
    const browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    const errors: string[] = [];
    try {
      const open = async (path: string) => {
        const page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
        page.on('console', (m) => m.type() === 'error' && errors.push(`${path}: ${m.text()}`));
        page.on('pageerror', (e) => errors.push(`${path}: ${e.message}`));
        await page.goto(ui + path);
        await page.waitForFunction(() => (window as any).__statsUI?.ready === true && document.getElementById('live')?.dataset.state === 'live');
        return page;
      };
      const points = (page: Awaited<ReturnType<typeof open>>, chart: string) => page.evaluate((c) => (window as any).__statsUI.points(c) as number, chart);
      const nodePage = await open('/');
      for (const chart of ['cpu', 'memory', 'network']) assert.ok((await points(nodePage, chart)) >= 2, `node ${chart} chart has points`);
      assert.ok((await nodePage.locator('table.pods tbody tr[data-pod="default/burner"]').count()) === 1, 'the pod table lists the burner');
      await mkdir(join(import.meta.dirname, '..', '..', 'test-results'), { recursive: true });
      await nodePage.screenshot({ path: join(import.meta.dirname, '..', '..', 'test-results', 'stats-ui-live-node.png'), fullPage: true });
      const podPage = await open('/pods/default/holder');
      const before = await points(podPage, 'cpu');
      // One housekeeping interval is 2 s; allow one more for the pass itself on a busy machine.
      await podPage.waitForFunction((n) => (window as any).__statsUI.points('cpu') > n, before, { timeout: 4_500 });
    } finally {
      await browser.close();
    }
    assert.deepEqual(errors, []);
  });

  it('answers kubectl top with the same numbers, through the Metrics API', async () => {
    // Two scrapes at the 2 s resolution plus one 2 s housekeeping interval; slack for a busy machine.
    const pods = await eventually(async () => {
      const r = await kubectl(kc, ['top', 'pods', '--no-headers']);
      return r.code === 0 && /^burner\s/m.test(r.stdout) && /^holder\s/m.test(r.stdout) ? r.stdout : undefined;
    }, 20_000, 'kubectl top pods');
    const row = (name: string) => new RegExp(`^${name}\\s+(\\d+)m\\s+(\\d+)Mi`, 'm').exec(pods);
    const burner = row('burner');
    const holder = row('holder');
    assert.ok(burner && holder, pods);
    assert.ok(Number(burner[1]) > 250 && Number(burner[1]) <= 600, `burner CPU ${burner[1]}m`);
    assert.ok(Number(holder[2]) > 195 && Number(holder[2]) < 260, `holder memory ${holder[2]}Mi`);
    const containers = await k('top', 'pod', 'holder', '--containers', '--no-headers');
    assert.match(containers, /^holder\s+main\s+\d+m\s+\d+Mi/m);
    const nodes = await k('top', 'nodes', '--no-headers');
    assert.match(nodes, new RegExp(`^${node}\\s+\\d+m\\s+\\d+%\\s+\\d+Mi\\s+\\d+%`, 'm'));
  });

  it('sees network bytes grow while a pod serves traffic', async () => {
    const ip = (await k('get', 'pod', 'web', '-o', 'jsonpath={.status.podIP}')).trim();
    const before = podStats(await summary(), 'web')?.network?.txBytes ?? 0;
    for (let i = 0; i < 4; i++) {
      await new Promise<void>((resolve, reject) => {
        httpGet(`http://${ip}:8080/blob`, (res) => res.on('data', () => {}).on('end', resolve)).on('error', reject);
      });
    }
    await eventually(async () => ((podStats(await summary(), 'web')?.network?.txBytes ?? 0) - before > 4 * MiB), 15_000, 'web pod tx bytes to grow by 4 MiB');
  });

  it('sees an emptyDir grow when a pod writes to it', async () => {
    await eventually(async () => {
      const w = podStats(await summary(), 'writer');
      const data = w?.volume?.find((v) => v.name === 'data');
      return data && data.usedBytes! >= 8 * MiB && w!['ephemeral-storage']!.usedBytes! >= 8 * MiB;
    }, 30_000, 'the writer emptyDir to hold 8 MiB');
  });

  it('keeps cumulative counters monotonic across housekeeping', async () => {
    const seen: number[] = [];
    for (let i = 0; i < 3; i++) {
      seen.push(podStats(await summary(), 'burner')!.containers[0].cpu!.usageCoreNanoSeconds!);
      await new Promise((r) => setTimeout(r, 2_100));
    }
    assert.ok(seen[1] >= seen[0] && seen[2] >= seen[1] && seen[2] > seen[0], `counters ${seen}`);
  });

  it('asks callers to authenticate (401) and be authorized (403)', async () => {
    const anonymous = await kubeletGet(kubeletPort, '/stats/summary');
    assert.equal(anonymous.code, 401);
    const token = (await k('create', 'token', 'default')).trim();
    const sa = await kubeletGet(kubeletPort, '/stats/summary', token);
    assert.equal(sa.code, 403, sa.body);
    assert.match(sa.body, /subresource=stats/);
    const metrics = await kubeletGet(kubeletPort, '/metrics/resource', token);
    assert.equal(metrics.code, 403);
  });

  it('drops a deleted pod from every output', async () => {
    await k('delete', 'pod', 'writer', '--grace-period=0', '--force');
    await eventually(async () => {
      const [s, resource, cadvisor] = await Promise.all([raw('/stats/summary'), raw('/metrics/resource'), raw('/metrics/cadvisor')]);
      const ui = await (await fetch(`http://127.0.0.1:${uiPort}/api/ui/node`)).text();
      return !s.includes('"writer"') && !resource.includes('pod="writer"') && !cadvisor.includes('pod="writer"') && !ui.includes('"writer"');
    }, 30_000, 'the writer pod to leave the stats and the UI');
  });
});
