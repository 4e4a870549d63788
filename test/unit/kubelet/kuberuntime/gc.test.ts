// Container GC: one exited container kept per (pod, container name), everything of deleted pods,
// dead sandboxes without containers, and the log directories of deleted pods.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { garbageCollect } from '../../../../src/kubelet/kuberuntime/gc.ts';
import { killPod } from '../../../../src/kubelet/kuberuntime/kill.ts';
import { container, harness, newest, pod } from './helpers.ts';

describe('garbageCollect', () => {
  test('keeps the newest exited container per name and never a running one', async () => {
    const h = harness();
    const p = pod('gc', [container('a'), container('b')]);
    await h.sync(p);
    for (let i = 0; i < 3; i++) {
      h.cri.exit(newest(h.cri, 'a').id, 1);
      await h.clock.advance(400_000); // past any back-off
      await h.sync(p);
    }
    assert.equal(h.cri.containersNamed('a').length, 4);
    const r = await garbageCollect(h.cri, { isPodDeleted: () => false, now: () => h.clock.now(), podLogsRoot: h.deps.podLogsRoot });
    assert.equal(r.containers.length, 2);
    const left = h.cri.containersNamed('a').map((c) => c.state);
    assert.deepEqual(left, ['CONTAINER_RUNNING', 'CONTAINER_EXITED'], 'running one and the newest exited one');
    assert.equal(h.cri.containersNamed('b').length, 1);
    assert.equal(h.cri.sandboxes.size, 1);
  });

  test('removes everything of a deleted pod once it is stopped, log directory included', async () => {
    const h = harness();
    const p = pod('gone', [container('a')]);
    await h.sync(p);
    const logDir = join(h.deps.podLogsRoot!, 'default_gone_uid-gone');
    mkdirSync(logDir, { recursive: true });
    const keepDir = join(h.deps.podLogsRoot!, 'default_live_uid-live');
    mkdirSync(keepDir, { recursive: true });
    await killPod(h.deps, p, await h.status(p));
    const deleted = (uid: string) => uid === 'uid-gone';
    const r = await garbageCollect(h.cri, { isPodDeleted: deleted, now: () => h.clock.now(), podLogsRoot: h.deps.podLogsRoot });
    assert.equal(r.containers.length, 1);
    assert.equal(r.sandboxes.length, 1);
    assert.deepEqual(r.logDirs, ['default_gone_uid-gone']);
    assert.equal(h.cri.containers.size + h.cri.sandboxes.size, 0);
    assert.equal(existsSync(logDir), false);
    assert.equal(existsSync(keepDir), true);
  });

  test('of a live pod, old dead sandboxes go and the newest stays', async () => {
    const h = harness();
    const p = pod('sbs', [container('a')], { restartPolicy: 'Always' });
    await h.sync(p);
    for (let i = 0; i < 2; i++) {
      await h.cri.stopPodSandbox([...h.cri.sandboxes.values()].at(-1)!.id);
      await h.sync(p);
    }
    assert.equal(h.cri.sandboxes.size, 3);
    await garbageCollect(h.cri, { isPodDeleted: () => false, now: () => h.clock.now(), podLogsRoot: h.deps.podLogsRoot });
    // Old sandboxes lose their exited containers first, then go themselves.
    const states = [...h.cri.sandboxes.values()].map((s) => s.state).sort();
    assert.deepEqual(states, ['SANDBOX_NOTREADY', 'SANDBOX_READY']);
  });
});
