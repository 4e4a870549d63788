// The stats UI end to end: the server over a synthetic StatsSource, its event stream and access
// control over real sockets, and the pages in headless Chromium (charts with points, sorting,
// live updates, escaping, no console errors; screenshots under test-results/).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { request as httpGet } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ensurePki } from '../../src/pki/pki.ts';
import { authorizeRequest } from '../../src/kubelet/server/auth.ts';
import { startStatsUI } from '../../src/kubelet/statsui/index.ts';
import { fakeSource, type FakeSource } from '../unit/statsui/fake_source.ts';

const INTERVAL_MS = 2000;
const SAMPLES = 8;
const RESULTS = join(process.cwd(), 'test-results');

/** Reads an event stream until `want` frames of type `event` arrived (or the timeout). */
function readEvents(url: string, event: string, want: number, onOpen: () => void, timeoutMs = 5000): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    const got: unknown[] = [];
    let buf = '';
    const req = httpGet(url, (res) => {
      assert.equal(res.headers['content-type'], 'text/event-stream; charset=utf-8');
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (!buf && chunk.includes(': connected')) setImmediate(onOpen);
        buf += chunk;
        let end: number;
        while ((end = buf.indexOf('\n\n')) >= 0) {
          const frame = buf.slice(0, end);
          buf = buf.slice(end + 2);
          const type = /^event: (.*)$/m.exec(frame)?.[1];
          const data = /^data: (.*)$/m.exec(frame)?.[1];
          if (type === event && data) got.push(JSON.parse(data));
          if (got.length >= want) {
            req.destroy();
            return resolve(got);
          }
        }
      });
    });
    req.on('error', (e) => (got.length >= want ? undefined : reject(e)));
    req.setTimeout(timeoutMs, () => {
      req.destroy();
      reject(new Error(`only ${got.length} ${event} events in ${timeoutMs} ms`));
    });
    req.end();
  });
}

describe('stats UI server', () => {
  let source: FakeSource;
  let base: string;
  const ac = new AbortController();
  before(async () => {
    source = fakeSource({ intervalMs: INTERVAL_MS, samples: SAMPLES });
    const { port } = await startStatsUI({ port: 0, source }, ac.signal);
    base = `http://127.0.0.1:${port}`;
  });
  after(() => ac.abort());

  test('serves the page for every page route, its assets, and 404 elsewhere', async () => {
    for (const path of ['/', '/pods/default/web', '/containers/default/web/nginx']) {
      const res = await fetch(base + path);
      assert.equal(res.status, 200, path);
      assert.match(await res.text(), /<script type="module" src="\/ui\/app.js">/);
    }
    const uplot = await fetch(`${base}/ui/uPlot.iife.min.js`);
    assert.equal(uplot.headers.get('content-type'), 'text/javascript; charset=utf-8');
    assert.match(await uplot.text(), /uPlot/);
    const etag = uplot.headers.get('etag')!;
    assert.equal((await fetch(`${base}/ui/uPlot.iife.min.js`, { headers: { 'If-None-Match': etag } })).status, 304);
    assert.equal((await fetch(`${base}/nope`)).status, 404);
    assert.equal((await fetch(`${base}/api/ui/pods/default/missing`)).status, 404);
    assert.equal((await fetch(`${base}/`, { method: 'DELETE' })).status, 405);
  });

  test('a pod stream gets one update per housekeeping pass with only the latest points', async () => {
    const [update] = (await readEvents(`${base}/api/ui/stream?pod=default/web`, 'update', 1, () => source.tick())) as {
      name: string;
      series: { t: number; cpu: number }[];
      containers: { name: string; series: unknown[]; restarts: number }[];
    }[];
    assert.equal(update.name, 'web');
    assert.equal(update.series.length, 1);
    assert.ok(Math.abs(update.series[0].cpu - 0.52) < 1e-9);
    assert.deepEqual(
      update.containers.map((c) => [c.name, c.series.length, c.restarts]),
      [
        ['nginx', 1, 0],
        ['sidecar', 1, 2],
      ],
    );
    assert.equal((await fetch(`${base}/api/ui/stream?pod=nonsense`)).status, 400);
  });

  test('the cAdvisor API answers beside the UI', async () => {
    const info = (await (await fetch(`${base}/api/v1.3/containers/kubepods?num_stats=2`)).json()) as { name: string; stats: unknown[]; subcontainers: { name: string }[] };
    assert.equal(info.name, '/kubepods');
    assert.equal(info.stats.length, 2);
    assert.equal(info.subcontainers.length, 2);
    const posted = await fetch(`${base}/api/v1.3/containers/`, { method: 'POST', body: JSON.stringify({ num_stats: 1 }) });
    assert.equal(((await posted.json()) as { stats: unknown[] }).stats.length, 1);
  });
});

describe('stats UI access control', () => {
  let dir: string;
  const ac = new AbortController();
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'statsui-'));
  });
  after(async () => {
    ac.abort();
    await rm(dir, { recursive: true, force: true });
  });

  test('bound with TLS, it asks the kubelet authorizer: no client certificate is 401, the CA client is let in', async () => {
    const pki = await ensurePki(dir, { hosts: ['127.0.0.1'] });
    const source = fakeSource();
    const { port } = await startStatsUI(
      {
        port: 0,
        source,
        tls: { certPem: pki.servingCertPem, keyPem: pki.servingKeyPem, clientCaPem: pki.caCertPem },
        authorize: (req, path) => authorizeRequest(req, path, { anonymousAuth: false, authenticationTokenWebhook: false, authorizationMode: 'AlwaysAllow', nodeName: 'node-a' }),
      },
      ac.signal,
    );
    const get = (path: string, client?: { cert: string; key: string }) =>
      new Promise<{ code: number; body: string }>((resolve, reject) => {
        const req = httpsRequest({ host: '127.0.0.1', port, path, ca: pki.caCertPem, ...client }, (res) => {
          let body = '';
          res.on('data', (c) => (body += c));
          res.on('end', () => resolve({ code: res.statusCode!, body }));
        });
        req.on('error', reject);
        req.end();
      });
    assert.deepEqual(await get('/api/v1.3/machine'), { code: 401, body: 'Unauthorized' });
    const ok = await get('/api/v1.3/machine', { cert: pki.kubeletClientCertPem, key: pki.kubeletClientKeyPem });
    assert.equal(ok.code, 200);
    assert.equal((JSON.parse(ok.body) as { num_cores: number }).num_cores, 2);
  });

  test('a 403 from the authorizer is passed on with its message', async () => {
    const { port } = await startStatsUI({ port: 0, source: fakeSource(), authorize: async () => ({ code: 403, message: 'Forbidden (user=bob)' }) }, ac.signal);
    const res = await fetch(`http://127.0.0.1:${port}/api/ui/node`);
    assert.equal(res.status, 403);
    assert.equal(await res.text(), 'Forbidden (user=bob)');
  });
});

describe('stats UI in headless Chromium', () => {
  let source: FakeSource;
  let base: string;
  let browser: Browser;
  const errors: string[] = [];
  const ac = new AbortController();

  before(async () => {
    await mkdir(RESULTS, { recursive: true });
    source = fakeSource({ intervalMs: INTERVAL_MS, samples: SAMPLES });
    const { port } = await startStatsUI({ port: 0, source }, ac.signal);
    base = `http://127.0.0.1:${port}`;
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });
  after(async () => {
    await browser?.close();
    ac.abort();
  });

  async function open(path: string): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(`${path}: ${m.text()}`);
    });
    page.on('pageerror', (e) => errors.push(`${path}: ${e.message}`));
    await page.goto(base + path);
    await page.waitForFunction(() => (window as any).__statsUI?.ready === true);
    // Live: the event stream is open, so a housekeeping pass reaches the page.
    await page.waitForFunction(() => document.getElementById('live')?.dataset.state === 'live');
    return page;
  }

  const points = (page: Page, chart: string) => page.evaluate((c) => (window as any).__statsUI.points(c) as number, chart);
  const podOrder = (page: Page) => page.$$eval('table.pods tbody tr', (rows) => rows.map((r) => (r as HTMLElement).dataset.pod));

  test('the node page draws its charts with the kept history and gauges with units', async () => {
    const page = await open('/');
    for (const chart of ['cpu', 'memory', 'network', 'fs']) assert.ok((await points(page, chart)) >= SAMPLES, `${chart} has points`);
    assert.ok((await page.locator('.chart canvas').count()) >= 4);
    assert.equal(await page.locator('[data-chart="cpu"]').getAttribute('data-points'), String(await points(page, 'cpu')));
    const cpuGauge = await page.locator('[data-gauge="cpu"]').innerText();
    assert.match(cpuGauge, /1\.70 cores/);
    assert.match(cpuGauge, /of 2\.00 cores/);
    assert.match(await page.locator('[data-gauge="memory"]').innerText(), /GiB/);
    await page.screenshot({ path: join(RESULTS, 'stats-ui-node.png'), fullPage: true });
    await page.close();
  });

  test('the pod table sorts by CPU and by memory when their headers are clicked', async () => {
    const page = await open('/');
    assert.deepEqual(await podOrder(page), ['default/web', 'kube-system/db-0']);
    await page.click('th[data-sort="cpu"]');
    assert.deepEqual(await podOrder(page), ['kube-system/db-0', 'default/web']);
    assert.equal(await page.locator('th[data-sort="cpu"]').getAttribute('aria-sort'), 'descending');
    await page.click('th[data-sort="cpu"]');
    assert.deepEqual(await podOrder(page), ['default/web', 'kube-system/db-0']);
    await page.click('th[data-sort="mem"]');
    assert.deepEqual(await podOrder(page), ['kube-system/db-0', 'default/web']);
    // The order survives a live update.
    const before = await page.evaluate(() => (window as any).__statsUI.updates as number);
    source.tick();
    await page.waitForFunction((n) => (window as any).__statsUI.updates > n, before, { timeout: INTERVAL_MS });
    assert.deepEqual(await podOrder(page), ['kube-system/db-0', 'default/web']);
    await page.click('a[href="/pods/default/web"]');
    await page.waitForURL('**/pods/default/web');
    await page.close();
  });

  test('a pod page gains a point within one housekeeping interval', async () => {
    const page = await open('/pods/default/web');
    const cpu = await points(page, 'cpu');
    const nginx = await points(page, 'container:nginx:cpu');
    assert.ok(cpu >= SAMPLES && nginx >= SAMPLES);
    const t0 = Date.now();
    source.tick();
    await page.waitForFunction(([c, n]) => (window as any).__statsUI.points('cpu') > c && (window as any).__statsUI.points('container:nginx:cpu') > n, [cpu, nginx], {
      timeout: INTERVAL_MS,
    });
    assert.ok(Date.now() - t0 < INTERVAL_MS);
    assert.equal(await points(page, 'cpu'), cpu + 1);
    // Probes and restarts of each container.
    const nginxCard = await page.locator('[data-container="nginx"]').innerText();
    assert.match(nginxCard, /readiness: success/);
    assert.match(nginxCard, /http-get http:\/\/:8080\/ready/);
    assert.match(nginxCard, /liveness: success/);
    const sidecar = await page.locator('[data-container="sidecar"]').innerText();
    assert.match(sidecar, /Restarts\s*2/);
    assert.match(sidecar, /OOMKilled \(137\)/);
    assert.match(sidecar, /not ready/);
    // Text from the API is shown as text, never run as markup.
    assert.match(sidecar, /evil<img src=x onerror="window.__pwned=1">/);
    assert.equal(await page.locator('[data-container="sidecar"] img').count(), 0);
    assert.equal(await page.evaluate(() => (window as any).__pwned), undefined);
    await page.screenshot({ path: join(RESULTS, 'stats-ui-pod.png'), fullPage: true });
    await page.close();
  });

  test('the container page shows one container', async () => {
    const page = await open('/containers/kube-system/db-0/db');
    assert.equal(await page.locator('[data-container]').count(), 1);
    assert.ok((await points(page, 'container:db:memory')) >= SAMPLES);
    await page.close();
  });

  test('no console errors on any page', () => {
    assert.deepEqual(errors, []);
  });
});
