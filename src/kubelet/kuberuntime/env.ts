// A container's environment as upstream's makeEnvironmentVariables: envFrom (configmaps and
// secrets, with prefix), then env in order (value with $(VAR) expansion, or valueFrom field,
// resource, configmap or secret key, with `optional`). A missing non-optional source is an
// error that becomes the CreateContainerConfigError waiting reason.
import { parseQuantity, quantityMilliValue, quantityValue } from '../../api/quantity.ts';
import type { ConfigMap, Container, Pod, Secret } from '../../api/core/index.ts';
import { podNamespace } from './pod.ts';

/** What env reads of a configMap and of a secret (whose data is base64, as in the API). */
export type EnvConfigMap = Pick<ConfigMap, 'data' | 'binaryData'>;
export type EnvSecret = Pick<Secret, 'data'>;

/** The API objects env refers to; undefined means not found. */
export interface EnvSources {
  getConfigMap(namespace: string, name: string): Promise<EnvConfigMap | undefined>;
  getSecret(namespace: string, name: string): Promise<EnvSecret | undefined>;
}

export interface EnvContext {
  podIPs: string[];
  hostIPs: string[];
  nodeName?: string;
  /** Node allocatable, used for resourceFieldRef limits that are not set. */
  nodeAllocatable: { cpuMilli: number; memoryBytes: number; ephemeralStorageBytes?: number };
  /** Service links (enableServiceLinks), lower precedence than the pod's own variables. */
  serviceEnv?: Record<string, string>;
}

export class EnvError extends Error {}

/** Kubernetes' `$(VAR)` expansion: defined variables are replaced, `$$` escapes, others stay. */
export function expandVars(input: string, lookup: (name: string) => string | undefined): string {
  let out = '';
  for (let i = 0; i < input.length; i++) {
    const ch = input[i];
    if (ch !== '$' || i + 1 >= input.length) { out += ch; continue; }
    const next = input[i + 1];
    if (next === '$') { out += '$'; i++; continue; }
    if (next === '(') {
      const close = input.indexOf(')', i + 2);
      if (close < 0) { out += input.slice(i); break; }
      const name = input.slice(i + 2, close);
      const v = name ? lookup(name) : undefined;
      out += v !== undefined ? v : `$(${name})`;
      i = close;
      continue;
    }
    out += ch;
  }
  return out;
}

const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

function fieldValue(pod: Pod, path: string, ctx: EnvContext): string {
  const m = /^metadata\.(labels|annotations)\['(.*)'\]$/.exec(path);
  if (m) return (m[1] === 'labels' ? pod.metadata.labels : pod.metadata.annotations)?.[m[2]] ?? '';
  switch (path) {
    case 'metadata.name': return pod.metadata.name!;
    case 'metadata.namespace': return podNamespace(pod);
    case 'metadata.uid': return pod.metadata.uid!;
    case 'spec.nodeName': return pod.spec.nodeName ?? ctx.nodeName ?? '';
    case 'spec.serviceAccountName': return pod.spec.serviceAccountName ?? '';
    case 'status.hostIP': return ctx.hostIPs[0] ?? '';
    case 'status.hostIPs': return ctx.hostIPs.join(',');
    case 'status.podIP': return ctx.podIPs[0] ?? '';
    case 'status.podIPs': return ctx.podIPs.join(',');
    default: throw new EnvError(`unsupported fieldPath: ${path}`);
  }
}

function resourceValue(pod: Pod, self: Container, ref: { containerName?: string; resource: string; divisor?: string | number }, ctx: EnvContext): string {
  const target = ref.containerName
    ? [...pod.spec.containers, ...(pod.spec.initContainers ?? [])].find((c) => c.name === ref.containerName)
    : self;
  if (!target) throw new EnvError(`cannot find container: ${ref.containerName}`);
  const [kind, resource] = ref.resource.split('.', 2) as ['limits' | 'requests', string];
  const raw = target.resources?.[kind]?.[resource] ?? (kind === 'requests' ? target.resources?.limits?.[resource] : undefined);
  const divisor = ref.divisor !== undefined && ref.divisor !== '' && ref.divisor !== 0 ? parseQuantity(ref.divisor) : parseQuantity(1);
  if (resource === 'cpu') {
    const m = raw !== undefined ? quantityMilliValue(parseQuantity(raw)) : kind === 'limits' ? ctx.nodeAllocatable.cpuMilli : 0;
    return String(Math.ceil(m / quantityMilliValue(divisor)));
  }
  let bytes: number;
  if (raw !== undefined) bytes = quantityValue(parseQuantity(raw));
  else if (kind === 'requests') bytes = 0;
  else if (resource === 'memory') bytes = ctx.nodeAllocatable.memoryBytes;
  else if (resource === 'ephemeral-storage') bytes = ctx.nodeAllocatable.ephemeralStorageBytes ?? 0;
  else throw new EnvError(`unsupported container resource: ${ref.resource}`);
  return String(Math.ceil(bytes / quantityValue(divisor)));
}

const b64 = (s: string) => Buffer.from(s, 'base64').toString('utf8');

/** The container's variables in definition order. Throws EnvError with upstream's messages. */
export async function makeEnvironment(pod: Pod, container: Container, sources: EnvSources, ctx: EnvContext): Promise<{ name: string; value: string }[]> {
  const ns = podNamespace(pod);
  const env = new Map<string, string>();
  const cms = new Map<string, EnvConfigMap | undefined>();
  const secrets = new Map<string, EnvSecret | undefined>();
  const configMap = async (name: string) => {
    if (!cms.has(name)) cms.set(name, await sources.getConfigMap(ns, name));
    return cms.get(name);
  };
  const secret = async (name: string) => {
    if (!secrets.has(name)) secrets.set(name, await sources.getSecret(ns, name));
    return secrets.get(name);
  };

  for (const from of container.envFrom ?? []) {
    const prefix = from.prefix ?? '';
    if (from.configMapRef) {
      const name = from.configMapRef.name ?? '';
      const cm = await configMap(name);
      if (!cm) {
        if (from.configMapRef.optional) continue;
        throw new EnvError(`configmap "${name}" not found`);
      }
      for (const [k, v] of Object.entries(cm.data ?? {})) if (ENV_NAME.test(prefix + k)) env.set(prefix + k, v);
    } else if (from.secretRef) {
      const name = from.secretRef.name ?? '';
      const s = await secret(name);
      if (!s) {
        if (from.secretRef.optional) continue;
        throw new EnvError(`secret "${name}" not found`);
      }
      for (const [k, v] of Object.entries(s.data ?? {})) if (ENV_NAME.test(prefix + k)) env.set(prefix + k, b64(v));
    }
  }

  const lookup = (name: string) => env.get(name) ?? ctx.serviceEnv?.[name];
  for (const e of container.env ?? []) {
    const vf = e.valueFrom;
    if (!vf) { env.set(e.name, expandVars(e.value ?? '', lookup)); continue; }
    if (vf.fieldRef) env.set(e.name, fieldValue(pod, vf.fieldRef.fieldPath, ctx));
    else if (vf.resourceFieldRef) env.set(e.name, resourceValue(pod, container, vf.resourceFieldRef, ctx));
    else if (vf.configMapKeyRef) {
      const { name = '', key, optional } = vf.configMapKeyRef;
      const cm = await configMap(name);
      if (!cm) {
        if (optional) continue;
        throw new EnvError(`configmap "${name}" not found`);
      }
      const v = cm.data?.[key] ?? (cm.binaryData?.[key] !== undefined ? b64(cm.binaryData[key]) : undefined);
      if (v === undefined) {
        if (optional) continue;
        throw new EnvError(`couldn't find key ${key} in ConfigMap ${ns}/${name}`);
      }
      env.set(e.name, v);
    } else if (vf.secretKeyRef) {
      const { name = '', key, optional } = vf.secretKeyRef;
      const s = await secret(name);
      if (!s) {
        if (optional) continue;
        throw new EnvError(`secret "${name}" not found`);
      }
      const v = s.data?.[key];
      if (v === undefined) {
        if (optional) continue;
        throw new EnvError(`couldn't find key ${key} in Secret ${ns}/${name}`);
      }
      env.set(e.name, b64(v));
    }
  }
  for (const [k, v] of Object.entries(ctx.serviceEnv ?? {})) if (!env.has(k)) env.set(k, v);
  return [...env].map(([name, value]) => ({ name, value }));
}

/** command and args with $(VAR) expanded from the container's environment. */
export function expandCommand(container: Container, env: { name: string; value: string }[]): { command: string[]; args: string[] } {
  const map = new Map(env.map((e) => [e.name, e.value]));
  const lookup = (n: string) => map.get(n);
  return {
    command: (container.command ?? []).map((c) => expandVars(c, lookup)),
    args: (container.args ?? []).map((a) => expandVars(a, lookup)),
  };
}
