// A real containerd for integration tests: fresh temp root, local busybox and pause images
// imported, a CNI bridge on a test subnet. containerd 1.6 shares a few machine-global paths,
// so a lock file keeps test containerds on this machine one at a time.
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { cniBridgeConfig } from '../../src/containerd/config.ts';
import { buildBusyboxImage, buildPauseImage, importImage } from '../../src/containerd/images.ts';
import { startContainerd } from '../../src/containerd/process.ts';
import { createCriClient, type CriClient } from '../../src/kubelet/runtime/cri/client.ts';

export const BUSYBOX_IMAGE = 'localhost/busybox:1.35';
export const BUSYBOX_IMAGES = [BUSYBOX_IMAGE, 'localhost/busybox:latest'];
export const PAUSE_IMAGE = 'localhost/pause:3.10';
/** Unlikely to collide with real networks or containerd's own 10.88.0.0/16 default. */
export const TEST_POD_SUBNET = '10.231.0.0/16';
export const TEST_CNI_NETWORK = 'berth-test';
export const TEST_BRIDGE = 'berthtest0';

const LOCK = join(tmpdir(), 'berth-test-containerd.lock');

export interface TestContainerd {
  /** The socket path; a CRI endpoint as is. */
  address: string;
  cri: CriClient;
  dir: string;
  /** Where containerd writes its log (kept in dir; printed by failing tests if useful). */
  log: string;
  pid: number;
  stop(): Promise<void>;
}

function pidAlive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

async function acquireLock(timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      const fd = openSync(LOCK, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let holder = 0;
      try { holder = Number(readFileSync(LOCK, 'utf8')); } catch { continue; }
      if (!holder || !pidAlive(holder)) { rmSync(LOCK, { force: true }); continue; }
      if (Date.now() > until) throw new Error(`another test containerd is running (pid ${holder} holds ${LOCK})`);
      await sleep(250);
    }
  }
}

function releaseLock(): void {
  try { if (Number(readFileSync(LOCK, 'utf8')) === process.pid) rmSync(LOCK, { force: true }); } catch { /* gone */ }
}

export async function startTestContainerd(opts: { lockTimeoutMs?: number } = {}): Promise<TestContainerd> {
  await acquireLock(opts.lockTimeoutMs ?? 5 * 60_000);
  const dir = mkdtempSync(join(tmpdir(), 'berth-ctrd-'));
  const log = join(dir, 'containerd.log');
  const cniConfDir = join(dir, 'cni');
  let managed: Awaited<ReturnType<typeof startContainerd>> | undefined;
  let cri: CriClient | undefined;
  const stop = async () => {
    cri?.close();
    await managed?.stop();
    if (!process.env.BERTH_KEEP_TEST_DIR) rmSync(dir, { recursive: true, force: true });
    releaseLock();
  };
  try {
    managed = await startContainerd({ dir, cniConfDir, sandboxImage: PAUSE_IMAGE, log });
    const busyboxTar = join(dir, 'busybox.tar');
    const pauseTar = join(dir, 'pause.tar');
    buildBusyboxImage(busyboxTar, BUSYBOX_IMAGES);
    buildPauseImage(pauseTar, PAUSE_IMAGE);
    await importImage(managed.address, busyboxTar, { snapshotter: managed.snapshotter });
    await importImage(managed.address, pauseTar, { snapshotter: managed.snapshotter });
    writeFileSync(join(cniConfDir, `10-${TEST_CNI_NETWORK}.conflist`), cniBridgeConfig({
      name: TEST_CNI_NETWORK, bridge: TEST_BRIDGE, subnet: TEST_POD_SUBNET, ipamDataDir: join(dir, 'ipam'),
    }));
    cri = createCriClient(managed.address);
    await waitNetworkReady(cri, 15_000);
    return { address: managed.address, cri, dir, log, pid: managed.pid, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function waitNetworkReady(cri: CriClient, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const st = await cri.status();
    if (st.status?.conditions.find((c) => c.type === 'NetworkReady')?.status) return;
    if (Date.now() > until) throw new Error(`CRI NetworkReady stayed false: ${JSON.stringify(st.status?.conditions)}`);
    await sleep(200);
  }
}
