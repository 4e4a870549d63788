// The runtime cache: the PLEG's listing serves housekeeping while it is no older than upstream's
// 3 s period; an older one (a stalled relist) is listed again.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock } from '../../../../src/kubelet/clock.ts';
import { RuntimeCache, RUNTIME_CACHE_PERIOD_MS } from '../../../../src/kubelet/kuberuntime/index.ts';
import type { Container, PodSandbox } from '../../../../src/kubelet/runtime/cri/client.ts';

function fakeCri() {
  const calls = { sandboxes: 0, containers: 0 };
  const cri = {
    listPodSandbox: async (): Promise<PodSandbox[]> => {
      calls.sandboxes++;
      return [{ id: `sb-${calls.sandboxes}` } as PodSandbox];
    },
    listContainers: async (): Promise<Container[]> => {
      calls.containers++;
      return [];
    },
  };
  return { cri, calls };
}

describe('RuntimeCache', () => {
  it('answers from the last listing within the period, lists again after it', async () => {
    const clock = new FakeClock();
    const { cri, calls } = fakeCri();
    const cache = new RuntimeCache(cri, clock);
    assert.equal((await cache.get()).sandboxes[0]!.id, 'sb-1', 'nothing kept yet: lists');
    await cache.list();
    assert.deepEqual(calls, { sandboxes: 2, containers: 2 });
    await clock.advance(RUNTIME_CACHE_PERIOD_MS);
    assert.equal((await cache.get()).sandboxes[0]!.id, 'sb-2', 'the relist\'s answer, as old as the period');
    assert.deepEqual(calls, { sandboxes: 2, containers: 2 });
    await clock.advance(1);
    assert.equal((await cache.get()).sandboxes[0]!.id, 'sb-3', 'older than the period: listed again');
    assert.deepEqual(calls, { sandboxes: 3, containers: 3 });
  });

  it('keeps the newer listing when an older one answers last', async () => {
    const clock = new FakeClock();
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let n = 0;
    const cri = {
      listPodSandbox: async (): Promise<PodSandbox[]> => {
        const id = `sb-${++n}`;
        if (id === 'sb-1') await held;
        return [{ id } as PodSandbox];
      },
      listContainers: async (): Promise<Container[]> => [],
    };
    const cache = new RuntimeCache(cri, clock);
    const slow = cache.list();
    await clock.advance(500);
    await cache.list();
    release();
    await slow;
    assert.equal((await cache.get()).sandboxes[0]!.id, 'sb-2');
  });
});
