// Parsers for the structured values the kubelet's flags and config file carry: key=value maps,
// resource reservations, eviction thresholds and taints. Each throws an Error naming the value.
import { parseQuantity, type Quantity } from '../../api/quantity.ts';

export interface Taint {
  key: string;
  value?: string;
  effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
}

/** An eviction threshold: the signal and either an absolute quantity or a fraction of capacity. */
export interface EvictionThreshold {
  signal: EvictionSignal;
  /** Exactly one of quantity and percentage is set; percentage is a fraction (10% → 0.1). */
  quantity?: Quantity;
  percentage?: number;
}

export const evictionSignals = [
  'memory.available', 'allocatableMemory.available', 'nodefs.available', 'nodefs.inodesFree',
  'imagefs.available', 'imagefs.inodesFree', 'containerfs.available', 'containerfs.inodesFree', 'pid.available',
] as const;
export type EvictionSignal = (typeof evictionSignals)[number];

/** Upstream's Linux defaults for evictionHard. */
export const defaultEvictionHard: Record<string, string> = {
  'memory.available': '100Mi',
  'nodefs.available': '10%',
  'nodefs.inodesFree': '5%',
  'imagefs.available': '15%',
  'imagefs.inodesFree': '5%',
};

/** "a=1,b=2" (or another separator, as eviction's "memory.available<100Mi") → a map. */
export function parseMap(text: string, sep = '='): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const i = item.indexOf(sep);
    if (i <= 0) throw new Error(`malformed pair ${JSON.stringify(item)}, expected key${sep}value`);
    out[item.slice(0, i).trim()] = item.slice(i + 1).trim();
  }
  return out;
}

const reservableName = /^(cpu|memory|ephemeral-storage|pid|hugepages-.+)$/;

/** kube-reserved/system-reserved: resource name → quantity; only the resources upstream accepts. */
export function parseReservation(map: Record<string, unknown>): Record<string, Quantity> {
  const out: Record<string, Quantity> = {};
  for (const [name, raw] of Object.entries(map)) {
    if (!reservableName.test(name)) throw new Error(`unsupported resource ${JSON.stringify(name)} (cpu, memory, ephemeral-storage, pid, hugepages-<size>)`);
    try {
      out[name] = parseQuantity(String(raw));
    } catch (e) {
      throw new Error(`invalid quantity ${JSON.stringify(String(raw))} for ${name}: ${(e as Error).message}`);
    }
    if (out[name].nanos < 0n) throw new Error(`invalid quantity ${JSON.stringify(String(raw))} for ${name}: must not be negative`);
  }
  return out;
}

export function parseEvictionThresholds(map: Record<string, unknown>): EvictionThreshold[] {
  const out: EvictionThreshold[] = [];
  for (const [signal, raw] of Object.entries(map)) {
    if (!(evictionSignals as readonly string[]).includes(signal)) {
      throw new Error(`unsupported eviction signal ${JSON.stringify(signal)} (one of ${evictionSignals.join(', ')})`);
    }
    const value = String(raw).trim();
    if (value.endsWith('%')) {
      const pct = Number(value.slice(0, -1));
      if (!Number.isFinite(pct) || pct < 0 || pct > 100 || value === '%') throw new Error(`invalid percentage ${JSON.stringify(value)} for ${signal}`);
      // A 0% threshold disables the signal, as upstream.
      if (pct > 0) out.push({ signal: signal as EvictionSignal, percentage: pct / 100 });
      continue;
    }
    let q: Quantity;
    try {
      q = parseQuantity(value);
    } catch (e) {
      throw new Error(`invalid quantity ${JSON.stringify(value)} for ${signal}: ${(e as Error).message}`);
    }
    if (q.nanos < 0n) throw new Error(`invalid quantity ${JSON.stringify(value)} for ${signal}: must not be negative`);
    if (q.nanos > 0n) out.push({ signal: signal as EvictionSignal, quantity: q });
  }
  return out;
}

const effects = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

/** "key=value:Effect" or "key:Effect". */
export function parseTaint(text: string): Taint {
  const m = /^([^=:]+)(?:=([^:]*))?:([^:]+)$/.exec(text.trim());
  if (!m || !effects.includes(m[3])) throw new Error(`invalid taint ${JSON.stringify(text)}, expected key[=value]:Effect with Effect one of ${effects.join(', ')}`);
  return { key: m[1], ...(m[2] !== undefined && m[2] !== '' ? { value: m[2] } : {}), effect: m[3] as Taint['effect'] };
}

export function taintFromObject(v: unknown): Taint {
  const t = v as Partial<Taint> | null;
  if (!t || typeof t.key !== 'string' || typeof t.effect !== 'string' || !effects.includes(t.effect)) {
    throw new Error(`invalid taint ${JSON.stringify(v)}, expected {key, value, effect} with effect one of ${effects.join(', ')}`);
  }
  return { key: t.key, ...(t.value ? { value: t.value } : {}), effect: t.effect };
}
