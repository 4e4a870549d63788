// Pure allocation of service cluster IPs and node ports. As upstream, the low end of each
// range is kept for static (user-chosen) values and dynamic picks start above it; the
// first address of the service CIDR belongs to the "kubernetes" service.
import type { Service, ServiceSpec } from '../../../api/core/index.ts';
import { field, type FieldError } from '../../../api/validation/field.ts';
import { isValidIP } from '../../../api/validation/names.ts';
import { errors } from '../../../api/errors.ts';

export const defaultServiceCIDR = '10.96.0.0/12';
export const defaultNodePortRange: [number, number] = [30000, 32767];

function ipToInt(ip: string): number {
  return ip.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
}

function intToIp(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

export interface CIDRRange {
  /** First and last usable addresses (network and broadcast excluded). */
  first: number;
  last: number;
}

export function parseCIDR(cidr: string): CIDRRange {
  const m = /^(\d{1,3}(?:\.\d{1,3}){3})\/(\d{1,2})$/.exec(cidr);
  if (!m || Number(m[2]) > 30) throw new Error(`invalid or unsupported service CIDR ${JSON.stringify(cidr)} (IPv4, prefix at most /30)`);
  const size = 2 ** (32 - Number(m[2]));
  const base = ipToInt(m[1]) - (ipToInt(m[1]) % size);
  return { first: base + 1, last: base + size - 2 };
}

export function ipInCIDR(ip: string, cidr: string): boolean {
  if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(ip)) return false;
  const r = parseCIDR(cidr);
  const n = ipToInt(ip);
  return n >= r.first && n <= r.last;
}

/** The "kubernetes" service's address: the first of the range. */
export function kubernetesServiceIP(cidr = defaultServiceCIDR): string {
  return intToIp(parseCIDR(cidr).first);
}

function staticBand(size: number, lo: number, hi: number, divisor: number): number {
  if (size <= lo) return 0; // small ranges have no static band
  return Math.min(Math.max(lo, Math.floor(size / divisor)), hi);
}

/** The lowest free address above the static band, else the lowest free one in it. Throws 500 when full. */
export function allocateClusterIP(used: Set<string>, cidr = defaultServiceCIDR): string {
  const r = parseCIDR(cidr);
  const size = r.last - r.first + 1;
  const reservedFirst = r.first; // the kubernetes service
  const band = staticBand(size, 16, 256, 16);
  const pick = (from: number, to: number) => {
    for (let n = from; n <= to; n++) if (n !== reservedFirst && !used.has(intToIp(n))) return intToIp(n);
    return undefined;
  };
  const ip = pick(Math.min(r.first + band, r.last), r.last) ?? pick(r.first, r.last);
  if (!ip) throw errors.internal('failed to allocate a serviceIP: range is full');
  return ip;
}

export function allocateNodePort(used: Set<number>, range: [number, number] = defaultNodePortRange): number {
  const [lo, hi] = range;
  const band = staticBand(hi - lo + 1, 16, 128, 32);
  const pick = (from: number, to: number) => {
    for (let p = from; p <= to; p++) if (!used.has(p)) return p;
    return undefined;
  };
  const port = pick(Math.min(lo + band, hi), hi) ?? pick(lo, hi);
  if (port === undefined) throw errors.internal('failed to allocate a nodePort: range is full');
  return port;
}

/** Errors for a user-chosen cluster IP, as upstream's allocator reports them. */
export function checkRequestedClusterIP(ip: string, used: Set<string>, cidr = defaultServiceCIDR, path = 'spec.clusterIPs[0]'): FieldError[] {
  const bad = isValidIP(ip);
  if (bad.length > 0) return bad.map((m) => field.invalid(path, ip, m));
  if (!ipInCIDR(ip, cidr)) {
    return [field.invalid(path, ip, `failed to allocate IP ${ip}: the provided IP (${ip}) is not in the valid range. The range of valid IPs is ${cidr}`)];
  }
  if (used.has(ip)) return [field.invalid(path, ip, `failed to allocate IP ${ip}: provided IP is already allocated`)];
  return [];
}

export function checkRequestedNodePort(port: number, used: Set<number>, path: string, range: [number, number] = defaultNodePortRange): FieldError[] {
  const [lo, hi] = range;
  if (port < lo || port > hi) {
    return [field.invalid(path, port, `provided port is not in the valid range. The range of valid ports is ${lo}-${hi}`)];
  }
  if (used.has(port)) return [field.invalid(path, port, 'provided port is already allocated')];
  return [];
}

export interface AllocationState {
  usedIPs: Set<string>;
  usedNodePorts: Set<number>;
  cidr?: string;
  nodePortRange?: [number, number];
}

const needsNodePorts = (spec: ServiceSpec) =>
  spec.type === 'NodePort' || (spec.type === 'LoadBalancer' && spec.allocateLoadBalancerNodePorts !== false);

/**
 * Gives a service (new, or updated from old) its cluster IP and node ports: user-chosen ones
 * are checked, missing ones allocated. Mutates svc and the used sets; returns field errors.
 */
export function assignServiceAddresses(svc: Service, old: Service | undefined, state: AllocationState): FieldError[] {
  const spec = (svc.spec ??= {});
  const cidr = state.cidr ?? defaultServiceCIDR;
  const errs: FieldError[] = [];
  if (spec.type !== 'ExternalName' && spec.clusterIP !== 'None') {
    const before = old?.spec?.clusterIP;
    if (!spec.clusterIP) {
      const ip = allocateClusterIP(state.usedIPs, cidr);
      spec.clusterIP = ip;
      state.usedIPs.add(ip);
    } else if (spec.clusterIP !== before && !before) {
      // (A changed address on update is refused by validateServiceUpdate as immutable.)
      const bad = checkRequestedClusterIP(spec.clusterIP, state.usedIPs, cidr);
      errs.push(...bad);
      if (bad.length === 0) state.usedIPs.add(spec.clusterIP);
    }
    spec.clusterIPs = [spec.clusterIP];
  } else if (spec.clusterIP === 'None') {
    spec.clusterIPs = ['None'];
  }
  if (needsNodePorts(spec)) {
    const oldPorts = new Set((old?.spec?.ports ?? []).map((p) => p?.nodePort).filter((n): n is number => Boolean(n)));
    (spec.ports ?? []).forEach((p, i) => {
      if (!p) return;
      if (!p.nodePort) {
        const port = allocateNodePort(state.usedNodePorts, state.nodePortRange);
        p.nodePort = port;
        state.usedNodePorts.add(port);
      } else if (!oldPorts.has(p.nodePort)) {
        const bad = checkRequestedNodePort(p.nodePort, state.usedNodePorts, `spec.ports[${i}].nodePort`, state.nodePortRange);
        errs.push(...bad);
        if (bad.length === 0) state.usedNodePorts.add(p.nodePort);
      }
    });
  }
  return errs;
}

/** Addresses and ports that existing services hold. */
export function usedByServices(services: Service[], except?: { namespace?: string; name?: string }): { usedIPs: Set<string>; usedNodePorts: Set<number> } {
  const usedIPs = new Set<string>();
  const usedNodePorts = new Set<number>();
  for (const s of services) {
    if (except && s?.metadata?.namespace === except.namespace && s?.metadata?.name === except.name) continue;
    for (const ip of s?.spec?.clusterIPs ?? (s?.spec?.clusterIP ? [s.spec.clusterIP] : [])) if (ip && ip !== 'None') usedIPs.add(ip);
    for (const p of s?.spec?.ports ?? []) if (p?.nodePort) usedNodePorts.add(p.nodePort);
    if (s?.spec?.healthCheckNodePort) usedNodePorts.add(s.spec.healthCheckNodePort);
  }
  return { usedIPs, usedNodePorts };
}
