// Capacity and allocatable, as upstream computes them: capacity is the machine's; allocatable is
// capacity − kube-reserved − system-reserved − the hard eviction thresholds (memory.available
// against memory, nodefs.available against ephemeral-storage), never below zero; preallocated
// hugepages also come out of allocatable memory.
import { formatQuantity, quantityFromValue, type Quantity } from '../../api/quantity.ts';
import type { EvictionThreshold } from '../options/values.ts';
import type { MachineInfo } from './machine.ts';

export type ResourceQuantities = Record<string, Quantity>;

export function computeCapacity(machine: MachineInfo, rootfsCapacityBytes: number | undefined, maxPods: number): ResourceQuantities {
  const cap: ResourceQuantities = {
    cpu: quantityFromValue(machine.numCores, 'DecimalSI'),
    memory: quantityFromValue(machine.memoryCapacityBytes, 'BinarySI'),
    pods: quantityFromValue(maxPods, 'DecimalSI'),
  };
  if (rootfsCapacityBytes !== undefined) cap['ephemeral-storage'] = quantityFromValue(rootfsCapacityBytes, 'BinarySI');
  for (const [name, bytes] of Object.entries(machine.hugepages)) cap[name] = quantityFromValue(bytes, 'BinarySI');
  return cap;
}

/** The eviction threshold as an absolute amount of the resource's capacity (percentages truncate, as upstream). */
export function thresholdQuantity(t: EvictionThreshold, capacity: Quantity): Quantity {
  if (t.quantity) return t.quantity;
  const capUnits = Number(capacity.nanos / 1_000_000_000n);
  return quantityFromValue(Math.floor(capUnits * (t.percentage ?? 0)), 'BinarySI');
}

const evictionResource: Partial<Record<EvictionThreshold['signal'], string>> = {
  'memory.available': 'memory',
  'nodefs.available': 'ephemeral-storage',
};

/** What is held back from pods per resource: both reservations plus the hard eviction thresholds. */
export function allocatableReservation(capacity: ResourceQuantities, kubeReserved: ResourceQuantities, systemReserved: ResourceQuantities, evictionHard: EvictionThreshold[]): ResourceQuantities {
  const out: Record<string, bigint> = {};
  const add = (name: string, q: Quantity) => (out[name] = (out[name] ?? 0n) + q.nanos);
  for (const [name, q] of Object.entries(kubeReserved)) add(name, q);
  for (const [name, q] of Object.entries(systemReserved)) add(name, q);
  for (const t of evictionHard) {
    const resource = evictionResource[t.signal];
    if (resource && capacity[resource]) add(resource, thresholdQuantity(t, capacity[resource]));
  }
  return Object.fromEntries(Object.entries(out).map(([k, nanos]) => [k, { nanos, format: capacity[k]?.format ?? 'DecimalSI' }]));
}

export function computeAllocatable(capacity: ResourceQuantities, kubeReserved: ResourceQuantities, systemReserved: ResourceQuantities, evictionHard: EvictionThreshold[]): ResourceQuantities {
  const reserved = allocatableReservation(capacity, kubeReserved, systemReserved, evictionHard);
  const out: ResourceQuantities = {};
  for (const [name, cap] of Object.entries(capacity)) {
    const nanos = cap.nanos - (reserved[name]?.nanos ?? 0n);
    out[name] = { nanos: nanos < 0n ? 0n : nanos, format: cap.format };
  }
  if (out.memory) {
    let mem = out.memory.nanos;
    for (const [name, cap] of Object.entries(capacity)) if (name.startsWith('hugepages-')) mem -= cap.nanos;
    out.memory = { nanos: mem < 0n ? 0n : mem, format: out.memory.format };
  }
  return out;
}

export function formatResources(list: ResourceQuantities): Record<string, string> {
  return Object.fromEntries(Object.entries(list).map(([k, q]) => [k, formatQuantity(q)]));
}
