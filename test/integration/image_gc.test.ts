// Image garbage collection against a real containerd: with thresholds below the disk's current
// use (high 1%, low 0%, as upstream's node e2e sets them relative to the machine), an unused
// imported image is removed while the image a running container uses and the sandbox image stay,
// and the pass reports upstream's FreeDiskSpaceFailed (the disk cannot be emptied). The test
// containerd has its own root, so the images removed here are this test's own.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { busyboxLayer, importImage, ociImageTar } from '../../src/containerd/images.ts';
import { imageFsStats } from '../../src/kubelet/assembly/node.ts';
import { realClock } from '../../src/kubelet/clock.ts';
import { ImageGCManager, runtimeSandboxImage } from '../../src/kubelet/images/gcmanager.ts';
import { createLogger } from '../../src/kubelet/log.ts';
import { BUSYBOX_IMAGE, BUSYBOX_IMAGES, PAUSE_IMAGE, startTestContainerd, type TestContainerd } from '../support/containerd.ts';

const UNUSED = `localhost/berth-image-gc-unused:${process.pid}`;
let env: TestContainerd;

before(async () => {
  env = await startTestContainerd();
  // A distinct image (its own config, so its own ID) that no container uses.
  const tar = join(env.dir, 'unused.tar');
  writeFileSync(tar, ociImageTar(busyboxLayer(), { cmd: ['sh'], env: ['PATH=/bin', `BERTH_IMAGE_GC_TEST=${process.pid}`] }, [UNUSED]));
  await importImage(env.address, tar);
});

after(async () => {
  await env?.stop();
});

async function runBusybox(): Promise<void> {
  const uid = `uid-image-gc-${process.pid}`;
  const logDirectory = join(env.dir, 'pods', `default_gc_${uid}`);
  mkdirSync(join(logDirectory, 'app'), { recursive: true });
  const sandbox = {
    metadata: { name: 'gc', uid, namespace: 'default', attempt: 0 }, hostname: 'gc', logDirectory,
    linux: { securityContext: { namespaceOptions: { network: 'POD' as const, pid: 'CONTAINER' as const, ipc: 'POD' as const } } },
  };
  const sb = await env.cri.runPodSandbox(sandbox);
  const id = await env.cri.createContainer(sb, { metadata: { name: 'app', attempt: 0 }, image: { image: BUSYBOX_IMAGE }, command: ['sleep', '3600'], logPath: 'app/0.log' }, sandbox);
  await env.cri.startContainer(id);
}

const tags = async () => (await env.cri.listImages()).flatMap((i) => i.repoTags).sort();

test('thresholds below current use: the unused image goes, the image in use and the sandbox image stay', async () => {
  await runBusybox();
  assert.ok((await tags()).includes(UNUSED));
  const unusedSize = (await env.cri.listImages()).find((i) => i.repoTags.includes(UNUSED))!.size;
  const events: Array<[string, string, string]> = [];
  const gc = new ImageGCManager({
    cri: env.cri,
    imageFsStats: () => imageFsStats(env.cri),
    events: { nodeEvent: (type, reason, message) => events.push([type, reason, message]) },
    policy: { highThresholdPercent: 1, lowThresholdPercent: 0, minAgeMs: 0, maxAgeMs: 0 },
    // The sandbox image as the runtime names it (containerd's CRI config), not as configured.
    sandboxImages: async () => [(await runtimeSandboxImage(env.cri)) ?? ''],
    clock: realClock,
    log: createLogger({ write: () => {} }),
  });
  assert.equal(await runtimeSandboxImage(env.cri), PAUSE_IMAGE);
  const fs = await imageFsStats(env.cri);
  assert.ok(fs.capacityBytes > 0 && fs.availableBytes < fs.capacityBytes, `the image filesystem is read: ${JSON.stringify(fs)}`);

  await assert.rejects(gc.garbageCollect(Date.now()), /Failed to garbage collect required amount of images\. Attempted to free \d+ bytes, but only found \d+ bytes eligible to free\./);

  assert.deepEqual(await tags(), [...BUSYBOX_IMAGES, PAUSE_IMAGE].sort(), 'only the unused image was removed');
  assert.equal(events.length, 1);
  assert.equal(events[0][0], 'Warning');
  assert.equal(events[0][1], 'FreeDiskSpaceFailed');
  assert.match(events[0][2], new RegExp(`but only found ${unusedSize} bytes eligible to free\\.$`));
});
