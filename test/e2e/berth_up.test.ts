// `berth up`: a single-node cluster from one command, refusing a second one on the same data
// dir, stopping cleanly on SIGTERM and picking up where it left off.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { eventually, kubectl, kubectlOk } from '../support/kubectl.ts';
import { freePort } from '../support/ports.ts';

const berth = join(import.meta.dirname, '..', '..', 'bin', 'berth.js');

interface Up {
  proc: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

async function up(dataDir: string, ports: number[]): Promise<Up> {
  const [api, kubelet, healthz, ui = 0] = ports;
  const proc = spawn(process.execPath, [berth, 'up', '--data-dir', dataDir, '--secure-port', String(api), '--kubelet-port', String(kubelet), '--healthz-port', String(healthz), '--cadvisor-port', String(ui), '--demo'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => proc.on('exit', (code) => r(code)));
  return { proc, output: () => out, exited };
}

describe('berth up', () => {
  let dir: string;
  let ports: number[];
  let first: Up | undefined;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth-up-'));
    ports = [await freePort(), await freePort(), await freePort(), await freePort()];
  });
  after(async () => {
    first?.proc.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  it('runs a single-node cluster and prints how to use it', async () => {
    first = await up(dir, ports);
    await eventually(() => first!.output().includes('Berth is up'), 60_000, 'the start-up message');
    const out = first.output();
    assert.match(out, new RegExp(`export KUBECONFIG=${join(dir, 'admin.kubeconfig')}`));
    assert.match(out, /kubectl get nodes/);
    assert.match(out, new RegExp(`Static pod manifests: ${join(dir, 'manifests')}`));
    assert.ok(existsSync(join(dir, 'kubelet.kubeconfig')));
    const kc = join(dir, 'admin.kubeconfig');
    const node = await eventually(async () => {
      const n = JSON.parse(await kubectlOk(kc, ['get', 'nodes', '-o', 'json'])).items[0];
      return n?.status?.conditions?.find((c: any) => c.type === 'Ready' && c.status === 'True') ? n : undefined;
    }, 30_000, 'a Ready node');
    const images = node.status.images.flatMap((i: any) => i.names);
    assert.ok(images.includes('localhost/busybox:1.35'), `images: ${images}`);
    assert.ok(images.includes('localhost/busybox:latest'));
    const health = await fetch(`http://127.0.0.1:${ports[2]}/healthz`);
    assert.equal(await health.text(), 'ok');
    assert.match(out, new RegExp(`Stats UI: http://127\\.0\\.0\\.1:${ports[3]}/`));
    const ui = await fetch(`http://127.0.0.1:${ports[3]}/`);
    assert.equal(ui.status, 200);
    assert.match(await ui.text(), /<html/i);
  });

  it('runs the demo workload: a static web pod with its mirror, and a pod that logs', async () => {
    const kc = join(dir, 'admin.kubeconfig');
    const node = JSON.parse(await kubectlOk(kc, ['get', 'nodes', '-o', 'json'])).items[0].metadata.name;
    const web = await eventually(async () => {
      const p = JSON.parse(await kubectlOk(kc, ['get', 'pod', `demo-web-${node}`, '-o', 'json']));
      return p.status?.phase === 'Running' && p.status.podIP ? p : undefined;
    }, 60_000, 'the demo web pod');
    assert.ok(web.metadata.annotations['kubernetes.io/config.mirror']);
    const page = await eventually(async () => {
      const r = await fetch(`http://${web.status.podIP}:8080/`);
      return r.ok ? r.text() : undefined;
    }, 15_000, 'the demo page');
    assert.match(page, /Hello from Berth/);
    await eventually(async () => /hello from hello at/.test(await kubectlOk(kc, ['logs', 'hello'])), 30_000, 'the hello pod logs');
  });

  it('writes kubeconfigs for other nodes with berth node-kubeconfig', async () => {
    const out = join(dir, 'extra.kubeconfig');
    const r = spawnSync(process.execPath, [berth, 'node-kubeconfig', 'extra', '--data-dir', dir, '--out', out], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(await kubectlOk(out, ['get', 'nodes', '-o', 'name']), /^node\//m);
    const denied = await kubectl(out, ['get', 'secrets']);
    assert.match(denied.stderr, /User "system:node:extra" cannot list resource "secrets"/);
  });

  it('refuses a second berth up on the same data dir', async () => {
    const second = await up(dir, [await freePort(), await freePort(), await freePort()]);
    const code = await second.exited;
    assert.notEqual(code, 0);
    assert.match(second.output(), /in use by another berth up/);
  });

  it('stops everything on SIGTERM and picks up where it left off', async () => {
    const cidr = readFileSync(join(dir, 'pod-cidr'), 'utf8').trim();
    first!.proc.kill('SIGTERM');
    assert.equal(await first!.exited, 0);
    const leftovers = spawnSync('pgrep', ['-f', `containerd --config ${join(dir, 'containerd')}`], { encoding: 'utf8' });
    assert.equal(leftovers.stdout.trim(), '', 'no containerd left running');
    first = await up(dir, ports);
    await eventually(() => first!.output().includes('Berth is up'), 60_000, 'the second start');
    assert.match(first.output(), new RegExp(`pod CIDR ${cidr.replace(/\./g, '\\.')}`));
    const kc = join(dir, 'admin.kubeconfig');
    await eventually(async () => /Ready/.test(await kubectlOk(kc, ['get', 'nodes'])), 30_000, 'Ready after restart');
    first.proc.kill('SIGTERM');
    assert.equal(await first.exited, 0);
    first = undefined;
  });
});
