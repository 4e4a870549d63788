// `berth up`: a single-node cluster from one command, refusing a second one on the same data
// dir, stopping cleanly on SIGTERM and picking up where it left off.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { eventually, kubectlOk } from '../support/kubectl.ts';
import { freePort } from '../support/ports.ts';

const berth = join(import.meta.dirname, '..', '..', 'bin', 'berth.js');

interface Up {
  proc: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

async function up(dataDir: string, ports: number[]): Promise<Up> {
  const [api, kubelet, healthz] = ports;
  const proc = spawn(process.execPath, [berth, 'up', '--data-dir', dataDir, '--secure-port', String(api), '--kubelet-port', String(kubelet), '--healthz-port', String(healthz), '--cadvisor-port', '0'], {
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
    ports = [await freePort(), await freePort(), await freePort()];
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
    const health = spawnSync('curl', ['-s', `http://127.0.0.1:${ports[2]}/healthz`], { encoding: 'utf8' });
    if (health.status === 0) assert.equal(health.stdout, 'ok');
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
