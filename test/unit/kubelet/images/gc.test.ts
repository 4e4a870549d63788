// Image garbage collection (upstream's image_gc_manager.go): the pure decision — least recently
// used first, images in use and the sandbox image kept, minimum and maximum age, stop once enough
// is freed, the failure's numbers — and the loop against the fake runtime.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../../src/kubelet/clock.ts';
import { createLogger } from '../../../../src/kubelet/log.ts';
import {
  detectImages, imageGCDisabled, sandboxImageFromStatusInfo, imagesInEvictionOrder, imagesInUse, planImageGC, spaceToFree, validateImageGCPolicy,
  type EvictionCandidate, type ImageGCPolicy, type ImageRecord,
} from '../../../../src/kubelet/images/gc.ts';
import { ImageGCManager } from '../../../../src/kubelet/images/gcmanager.ts';
import type { Container, Image } from '../../../../src/kubelet/runtime/cri/types.ts';
import { FakeRuntime } from '../../../../src/kubelet/runtime/fake/runtime.ts';

const MIN = 60_000;
const policy = (p: Partial<ImageGCPolicy> = {}): ImageGCPolicy => ({ highThresholdPercent: 85, lowThresholdPercent: 80, minAgeMs: 2 * MIN, maxAgeMs: 0, ...p });
const image = (id: string, size: number, tags: string[] = [], pinned = false): Image =>
  ({ id, repoTags: tags, repoDigests: [], size, uid: null, username: '', spec: null, pinned, imageSource: '' });
const container = (imageRef: string, state: Container['state'] = 'CONTAINER_RUNNING'): Container =>
  ({ id: `c-${imageRef}`, podSandboxId: 's', metadata: null, image: { image: imageRef, annotations: {}, userSpecifiedImage: '', runtimeHandler: '' }, imageRef, state, createdAt: 0, labels: {}, annotations: {}, imageId: '' });
const cand = (id: string, size: number, firstDetected: number, lastUsed = 0): EvictionCandidate => ({ id, size, firstDetected, lastUsed, pinned: false });
const quiet = createLogger({ write: () => {} });

describe('the decision', () => {
  test('least recently used first, ties broken by first detection; in use and pinned left out', () => {
    const records = new Map<string, ImageRecord>([
      ['a', { firstDetected: 5, lastUsed: 100, size: 1, pinned: false }],
      ['b', { firstDetected: 3, lastUsed: 0, size: 1, pinned: false }],
      ['c', { firstDetected: 1, lastUsed: 0, size: 1, pinned: false }],
      ['d', { firstDetected: 0, lastUsed: 50, size: 1, pinned: false }],
      ['used', { firstDetected: 0, lastUsed: 0, size: 1, pinned: false }],
      ['pinned', { firstDetected: 0, lastUsed: 0, size: 1, pinned: true }],
    ]);
    assert.deepEqual(imagesInEvictionOrder(records, new Set(['used'])).map((c) => c.id), ['c', 'b', 'd', 'a']);
  });

  test('containers in any state, and the sandbox image by tag, make images in use', () => {
    const images = [image('sha256:app', 10, ['docker.io/library/busybox:1.35']), image('sha256:exited', 10, ['x:1']), image('sha256:pause', 1, ['registry.k8s.io/pause:3.10']), image('sha256:free', 10, ['y:1'])];
    const used = imagesInUse(images, [container('sha256:app'), container('sha256:exited', 'CONTAINER_EXITED')], ['registry.k8s.io/pause:3.10']);
    assert.deepEqual([...used].sort(), ['sha256:app', 'sha256:exited', 'sha256:pause']);
    // A short name resolves as containerd lists it.
    assert.deepEqual([...imagesInUse(images, [], ['busybox:1.35'])], ['sha256:app']);
  });

  test('the runtime\'s sandbox image is read from its verbose status', () => {
    assert.equal(sandboxImageFromStatusInfo({ config: JSON.stringify({ sandboxImage: 'registry.k8s.io/pause:3.6', containerd: {} }) }), 'registry.k8s.io/pause:3.6');
    assert.equal(sandboxImageFromStatusInfo({}), undefined);
    assert.equal(sandboxImageFromStatusInfo({ config: 'not json' }), undefined);
  });

  test('detection: new images at detectTime, used ones at now, gone ones forgotten', () => {
    const records = new Map<string, ImageRecord>();
    detectImages(records, [image('a', 1), image('b', 2, [], true)], new Set(['a']), 10, 20);
    assert.deepEqual(records.get('a'), { firstDetected: 10, lastUsed: 20, size: 1, pinned: false });
    assert.deepEqual(records.get('b'), { firstDetected: 10, lastUsed: 0, size: 2, pinned: true });
    detectImages(records, [image('a', 1)], new Set(), 30, 40);
    assert.deepEqual([...records.keys()], ['a']);
    assert.equal(records.get('a')!.firstDetected, 10);
    assert.equal(records.get('a')!.lastUsed, 20);
  });

  test('usage under the high threshold frees nothing; at it, down to the low threshold', () => {
    assert.deepEqual(spaceToFree({ capacityBytes: 1000, availableBytes: 160 }, policy()), { kind: 'ok', usagePercent: 84 });
    assert.deepEqual(spaceToFree({ capacityBytes: 1000, availableBytes: 150 }, policy()), { kind: 'free', usagePercent: 85, amountToFree: 50 });
    // Available above capacity is taken as capacity.
    assert.deepEqual(spaceToFree({ capacityBytes: 1000, availableBytes: 2000 }, policy()), { kind: 'ok', usagePercent: 0 });
    assert.equal(spaceToFree({ capacityBytes: 0, availableBytes: 0 }, policy()).kind, 'invalid');
  });

  test('stops once enough is freed, skipping images younger than the minimum age', () => {
    const now = 10 * MIN;
    const c = [cand('old1', 30, 0), cand('young', 100, now - MIN), cand('old2', 30, 0), cand('old3', 30, 0)];
    const plan = planImageGC(c, { capacityBytes: 1000, availableBytes: 150 }, policy(), now, 0);
    assert.deepEqual(plan.bySpace.map((x) => x.id), ['old1', 'old2']);
    assert.equal(plan.failure, undefined);
  });

  test('cannot reach the low threshold: upstream\'s message with the numbers', () => {
    const now = 10 * MIN;
    const plan = planImageGC([cand('a', 10, 0), cand('b', 15, 0)], { capacityBytes: 1000, availableBytes: 100 }, policy(), now, 0);
    assert.deepEqual(plan.bySpace.map((x) => x.id), ['a', 'b']);
    assert.equal(plan.failure, 'Failed to garbage collect required amount of images. Attempted to free 100 bytes, but only found 25 bytes eligible to free.');
  });

  test('maximum age: images unused longer go whatever the usage, once GC has run that long', () => {
    const p = policy({ maxAgeMs: 60 * MIN });
    const c = [cand('never', 1, 0, 0), cand('stale', 1, 0, 10 * MIN), cand('recent', 1, 0, 80 * MIN)];
    const fs = { capacityBytes: 1000, availableBytes: 900 };
    assert.deepEqual(planImageGC(c, fs, p, 50 * MIN, 0).byAge, [], 'not before the kubelet ran maxAge');
    const plan = planImageGC(c, fs, p, 90 * MIN, 0);
    assert.deepEqual(plan.byAge.map((x) => x.id), ['never', 'stale']);
    assert.deepEqual(plan.bySpace, []);
    assert.deepEqual(planImageGC(c, fs, policy(), 90 * MIN, 0).byAge, [], 'off at 0');
  });

  test('policy validation and the off switch, as upstream', () => {
    assert.throws(() => validateImageGCPolicy(policy({ highThresholdPercent: 101 })), /invalid HighThresholdPercent 101, must be in range \[0-100\]/);
    assert.throws(() => validateImageGCPolicy(policy({ lowThresholdPercent: -1 })), /invalid LowThresholdPercent -1/);
    assert.throws(() => validateImageGCPolicy(policy({ lowThresholdPercent: 90 })), /LowThresholdPercent 90 can not be higher than HighThresholdPercent 85/);
    assert.equal(imageGCDisabled(policy({ highThresholdPercent: 100 })), true);
    assert.equal(imageGCDisabled(policy({ highThresholdPercent: 100, maxAgeMs: MIN })), false);
  });
});

describe('the loop with the fake runtime', () => {
  function setup(p: Partial<ImageGCPolicy> = {}, fs = { capacityBytes: 10_000_000, availableBytes: 0 }) {
    const clock = new FakeClock();
    const rt = new FakeRuntime({ now: () => clock.now() });
    const events: Array<{ type: string; reason: string; message: string }> = [];
    const removed: string[] = [];
    const gc = new ImageGCManager({
      onRemoved: (reason) => removed.push(reason),
      cri: rt, imageFsStats: async () => fs, events: { nodeEvent: (type, reason, message) => events.push({ type, reason, message }) },
      policy: policy(p), sandboxImages: async () => ['registry.k8s.io/pause:3.10'], clock, log: quiet,
    });
    return { clock, rt, events, gc, removed };
  }

  async function runContainer(rt: FakeRuntime, ref: string): Promise<void> {
    const sb = await rt.runPodSandbox({ metadata: { name: 'p', uid: 'u', namespace: 'default', attempt: 0 } });
    await rt.startContainer(await rt.createContainer(sb, { metadata: { name: 'c', attempt: 0 }, image: { image: ref } }, {}));
  }

  test('removes unused images least recently used first; the image in use and the sandbox image stay', async () => {
    const { clock, rt, events, gc, removed } = setup({ highThresholdPercent: 1, lowThresholdPercent: 0, minAgeMs: 0 });
    rt.addImage('registry.k8s.io/pause:3.10', 1_000_000);
    rt.addImage('busybox:1.35', 2_000_000);
    const a = rt.addImage('unused-a:1', 3_000_000);
    await runContainer(rt, 'busybox:1.35');
    const began = clock.now().getTime();
    await gc.detect(began);
    await clock.advance(MIN);
    const b = rt.addImage('unused-b:1', 4_000_000);
    await assert.rejects(gc.garbageCollect(began), /Attempted to free 10000000 bytes, but only found 7000000 bytes eligible to free\./);
    assert.deepEqual(rt.callsOf('removeImage').map((c) => (c.args[0] as { image: string }).image), [a.id, b.id]);
    assert.deepEqual([...rt.images.keys()].sort(), ['busybox:1.35', 'registry.k8s.io/pause:3.10']);
    assert.deepEqual(events.map((e) => [e.type, e.reason]), [['Warning', 'FreeDiskSpaceFailed']]);
    assert.deepEqual(removed, ['space', 'space']);
  });

  test('maximum age: an image unused that long goes though the disk has room, counted as age', async () => {
    const { clock, rt, gc, removed } = setup({ maxAgeMs: 10 * MIN }, { capacityBytes: 10_000_000, availableBytes: 9_000_000 });
    rt.addImage('stale:1');
    const began = clock.now().getTime();
    await gc.garbageCollect(began);
    assert.ok(rt.images.has('stale:1'), 'not before image GC has run maxAge');
    await clock.advance(11 * MIN);
    await gc.garbageCollect(began);
    assert.ok(!rt.images.has('stale:1'));
    assert.deepEqual(removed, ['age']);
  });

  test('the minimum age keeps a just-pulled image; a removal that fails does not stop the others', async () => {
    const { clock, rt, gc } = setup({ highThresholdPercent: 50, lowThresholdPercent: 40 }, { capacityBytes: 10_000_000, availableBytes: 4_000_000 });
    rt.addImage('locked:1', 1_000_000);
    rt.addImage('old:1', 1_000_000);
    await gc.detect(clock.now().getTime());
    await clock.advance(3 * MIN);
    rt.addImage('new:1', 5_000_000);
    rt.injectError('removeImage', new Error('image is locked'));
    await assert.rejects(gc.garbageCollect(clock.now().getTime()), /wanted to free 2000000 bytes, but freed 1000000 bytes space with errors in image deletion: image is locked/);
    assert.ok(rt.images.has('new:1'), 'younger than imageMinimumGCAge');
    assert.deepEqual([...rt.images.keys()].sort(), ['locked:1', 'new:1'], 'the first removal failed, the next went on');
  });

  test('run(): at start and every 5 minutes; a repeated failure makes an ImageGCFailed event', async () => {
    const { clock, rt, events, gc } = setup({ highThresholdPercent: 1, lowThresholdPercent: 0 });
    rt.addImage('unused:1', 1);
    const ctl = new AbortController();
    const done = gc.run(ctl.signal);
    await clock.advance(0);
    assert.deepEqual(events.map((e) => e.reason), ['FreeDiskSpaceFailed']);
    await clock.advance(5 * MIN);
    assert.deepEqual(events.map((e) => e.reason), ['FreeDiskSpaceFailed', 'FreeDiskSpaceFailed', 'ImageGCFailed']);
    assert.equal(events[2].message, 'Failed to garbage collect required amount of images. Attempted to free 10000000 bytes, but only found 1 bytes eligible to free.');
    assert.ok(!rt.images.has('unused:1'), 'removed once past the minimum age');
    ctl.abort();
    await done;
  });

  test('run() does nothing with high threshold 100 and no maximum age', async () => {
    const { rt, gc } = setup({ highThresholdPercent: 100 });
    await gc.run(new AbortController().signal);
    assert.deepEqual(rt.calls, []);
  });
});
