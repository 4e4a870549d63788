// Node pressure from the eviction signals: a hard threshold is met when what is observed
// available falls below it. Memory signals drive MemoryPressure, filesystem signals DiskPressure,
// pid.available PIDPressure (evicting pods is the eviction manager's job, a later piece).
import type { EvictionSignal, EvictionThreshold } from '../options/values.ts';
import type { Observations } from './machine.ts';

export interface Pressure {
  memory: boolean;
  disk: boolean;
  pid: boolean;
}

interface Observed {
  available: number;
  capacity: number;
}

/** available/capacity per signal, for the signals that could be observed. */
export function signalObservations(obs: Observations, memoryCapacityBytes: number): Partial<Record<EvictionSignal, Observed>> {
  const out: Partial<Record<EvictionSignal, Observed>> = {};
  if (obs.memoryAvailableBytes !== undefined) out['memory.available'] = { available: obs.memoryAvailableBytes, capacity: memoryCapacityBytes };
  if (obs.nodefs) {
    out['nodefs.available'] = { available: obs.nodefs.availableBytes, capacity: obs.nodefs.capacityBytes };
    out['nodefs.inodesFree'] = { available: obs.nodefs.inodesFree, capacity: obs.nodefs.inodes };
  }
  const imagefs = obs.imagefs ?? obs.nodefs;
  if (imagefs) {
    out['imagefs.available'] = { available: imagefs.availableBytes, capacity: imagefs.capacityBytes };
    out['imagefs.inodesFree'] = { available: imagefs.inodesFree, capacity: imagefs.inodes };
    // Without a split image filesystem, containerfs is the image filesystem.
    out['containerfs.available'] = out['imagefs.available'];
    out['containerfs.inodesFree'] = out['imagefs.inodesFree'];
  }
  if (obs.pidMax !== undefined && obs.pidsRunning !== undefined) out['pid.available'] = { available: obs.pidMax - obs.pidsRunning, capacity: obs.pidMax };
  return out;
}

/** The thresholds met right now. */
export function thresholdsMet(thresholds: EvictionThreshold[], observed: Partial<Record<EvictionSignal, Observed>>): EvictionThreshold[] {
  return thresholds.filter((t) => {
    const o = observed[t.signal];
    if (!o) return false;
    const limit = t.quantity ? Number(t.quantity.nanos / 1_000_000_000n) : Math.floor(o.capacity * (t.percentage ?? 0));
    return o.available < limit;
  });
}

const pressureOf: Record<EvictionSignal, keyof Pressure> = {
  'memory.available': 'memory',
  'allocatableMemory.available': 'memory',
  'nodefs.available': 'disk',
  'nodefs.inodesFree': 'disk',
  'imagefs.available': 'disk',
  'imagefs.inodesFree': 'disk',
  'containerfs.available': 'disk',
  'containerfs.inodesFree': 'disk',
  'pid.available': 'pid',
};

export function nodePressure(thresholds: EvictionThreshold[], obs: Observations, memoryCapacityBytes: number): Pressure {
  const p: Pressure = { memory: false, disk: false, pid: false };
  for (const t of thresholdsMet(thresholds, signalObservations(obs, memoryCapacityBytes))) p[pressureOf[t.signal]] = true;
  return p;
}
