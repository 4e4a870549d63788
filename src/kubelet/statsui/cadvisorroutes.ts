// cAdvisor's REST API (/api/v1.3/..., /api/v2.0/...) over a StatsSource. Containers are named by
// cgroup path, as cAdvisor names them; `?type=docker` looks a container up by its ID instead.
// Pure over the source: the server hands in the path, the query and (for POST) the body.
import { quantityMilliValue, tryParseQuantity } from '../../api/quantity.ts';
import type { Pod } from '../../api/core/index.ts';
import type { ContainerRef } from '../cadvisor/types.ts';
import type { StatsSource } from '../stats/types.ts';
import {
  attributesV2,
  CADVISOR_VERSION,
  containerInfoV1,
  machineInfoV1,
  specV2,
  statsV2,
  type CpuLimits,
} from '../cadvisor/api.ts';

export interface ApiAnswer {
  code: number;
  body: unknown;
}

const V1_DEFAULT_NUM_STATS = 60;
const V2_DEFAULT_COUNT = 64;

class ApiError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/** '/kubepods/' → '/kubepods', '' → '/'. */
export function normalizeName(raw: string): string {
  const trimmed = raw.replace(/\/+$/, '');
  return trimmed.startsWith('/') ? trimmed || '/' : `/${trimmed}`;
}

function isUnder(path: string, parent: string): boolean {
  if (path === parent) return false;
  return parent === '/' ? path.startsWith('/') : path.startsWith(`${parent}/`);
}

/** Watched refs below `parent` with no other watched ref between them and it. */
export function directSubcontainers(parent: string, refs: ContainerRef[]): ContainerRef[] {
  const below = refs.filter((r) => isUnder(r.cgroupPath, parent));
  return below.filter((r) => !below.some((o) => isUnder(r.cgroupPath, o.cgroupPath))).sort((a, b) => a.cgroupPath.localeCompare(b.cgroupPath));
}

function findRef(source: StatsSource, name: string, idType: string): ContainerRef {
  const refs = source.refs();
  const ref = idType === 'docker' ? refs.find((r) => r.name && r.id === name.replace(/^\//, '')) : refs.find((r) => r.cgroupPath === name);
  if (!ref) throw new ApiError(404, `unknown container "${name}"`);
  return ref;
}

/** The ref and, when recursive, every watched ref below it. */
function selected(source: StatsSource, ref: ContainerRef, recursive: boolean): ContainerRef[] {
  if (!recursive) return [ref];
  return [ref, ...source.refs().filter((r) => isUnder(r.cgroupPath, ref.cgroupPath))];
}

function milli(q: unknown): number | undefined {
  const parsed = tryParseQuantity(q);
  return parsed ? quantityMilliValue(parsed) : undefined;
}

/** CPU request/limit of a container ref (its spec) or pod ref (the sum of its containers). */
export function cpuLimitsOf(ref: ContainerRef, pods: Pod[]): CpuLimits | undefined {
  if (!ref.podUid) return undefined;
  const pod = pods.find((p) => p.metadata.uid === ref.podUid);
  const containers = pod?.spec?.containers ?? [];
  const chosen = ref.name ? containers.filter((c) => c.name === ref.name) : containers;
  if (!chosen.length) return undefined;
  const sum = (pick: (c: (typeof chosen)[number]) => number | undefined): number | undefined => {
    const values = chosen.map(pick);
    // A pod-level limit exists only when every container has one.
    return values.every((v) => v !== undefined) ? values.reduce((a, v) => a! + v!, 0) : undefined;
  };
  return {
    requestMilli: sum((c) => milli(c.resources?.requests?.cpu ?? c.resources?.limits?.cpu)) || undefined,
    limitMilli: sum((c) => milli(c.resources?.limits?.cpu)) || undefined,
  };
}

interface V2Options {
  idType: string;
  count: number;
  recursive: boolean;
}

function v2Options(q: URLSearchParams): V2Options {
  const idType = q.get('type') || 'name';
  if (idType !== 'name' && idType !== 'docker') throw new ApiError(400, `unknown 'type' "${idType}"`);
  let count = V2_DEFAULT_COUNT;
  const raw = q.get('count');
  if (raw) {
    if (!/^\d+$/.test(raw)) throw new ApiError(400, `failed to parse 'count' option: ${raw}`);
    count = Number(raw);
  }
  return { idType, count, recursive: q.get('recursive') === 'true' };
}

function numStats(q: URLSearchParams, body: unknown): number {
  const fromBody = (body as { num_stats?: unknown } | undefined)?.num_stats;
  if (typeof fromBody === 'number' && Number.isInteger(fromBody)) return fromBody;
  const raw = q.get('num_stats');
  if (raw && /^-?\d+$/.test(raw)) return Number(raw);
  return V1_DEFAULT_NUM_STATS;
}

function v13(source: StatsSource, kind: string, name: string, q: URLSearchParams, body: unknown): unknown {
  const pods = () => source.pods();
  const info = (ref: ContainerRef, count: number) =>
    containerInfoV1(ref, source.samples(ref.id), directSubcontainers(ref.cgroupPath, source.refs()), count, cpuLimitsOf(ref, pods()));
  switch (kind) {
    case 'machine':
      return machineInfoV1(source.machine());
    case 'containers':
      return info(findRef(source, name, 'name'), numStats(q, body));
    case 'subcontainers': {
      const ref = findRef(source, name, 'name');
      return selected(source, ref, true).map((r) => info(r, numStats(q, body)));
    }
  }
  throw new ApiError(404, `unknown request type "${kind}"`);
}

function v20(source: StatsSource, kind: string, name: string, q: URLSearchParams): unknown {
  switch (kind) {
    case 'machine':
      return machineInfoV1(source.machine());
    case 'attributes':
      return attributesV2(source.machine());
    case 'version':
      return CADVISOR_VERSION;
    case 'stats':
    case 'spec': {
      const o = v2Options(q);
      const refs = selected(source, findRef(source, name, o.idType), o.recursive);
      const out: Record<string, unknown> = {};
      for (const r of refs) {
        const samples = source.samples(r.id);
        out[r.cgroupPath] = kind === 'stats' ? statsV2(samples, o.count) : specV2(r, samples, cpuLimitsOf(r, source.pods()));
      }
      return out;
    }
  }
  throw new ApiError(404, `unknown request type "${kind}"`);
}

/** Answers a path under /api/ (e.g. '/api/v1.3/containers/kubepods'); undefined when not an API path. */
export function cadvisorRequest(source: StatsSource, path: string, q: URLSearchParams, body?: unknown): ApiAnswer | undefined {
  const m = /^\/api\/(v1\.[0-3]|v2\.0)\/([a-z]+)(\/.*)?$/.exec(path);
  if (!m) return undefined;
  const [, version, kind, rest] = m;
  const name = normalizeName(decodeURIComponent(rest ?? '/'));
  try {
    const result = version === 'v2.0' ? v20(source, kind, name, q) : v13(source, kind, name, q, body);
    return { code: 200, body: result };
  } catch (e) {
    if (e instanceof ApiError) return { code: e.code, body: e.message };
    throw e;
  }
}
