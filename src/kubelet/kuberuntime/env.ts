// A container's environment as upstream's makeEnvironmentVariables: envFrom (configmaps and
// secrets, with prefix), then env in order (value with $(VAR) expansion, or valueFrom field,
// resource, configmap or secret key, with `optional`). A missing non-optional source is an
// error that becomes the CreateContainerConfigError waiting reason.
import type { ConfigMap, Container, Pod, Secret } from '../../api/core/index.ts';
import { expandVars } from '../container/expansion.ts';
import { containerResourceValue } from '../volume/index.ts';
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
  /** The node's IPs as they are now (status.hostIP, status.hostIPs). */
  hostIPs: string[];
  nodeName?: string;
  /** The node's status.allocatable: resourceFieldRef limits that are not set. */
  nodeAllocatable: Record<string, string | number>;
  /** Service links (enableServiceLinks), lower precedence than the pod's own variables. */
  serviceEnv?: Record<string, string>;
  /** Records a Warning event on the pod (envFrom keys skipped as invalid names). */
  warn?: (reason: string, message: string) => void;
}

export class EnvError extends Error {}

/** Upstream's validation.IsEnvVarName: what envFrom may turn into a variable. */
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

function resourceValue(self: Container, pod: Pod, ref: { containerName?: string; resource: string; divisor?: string | number }, ctx: EnvContext): string {
  try {
    return containerResourceValue(pod, ref.containerName || self.name, ref.resource, ref.divisor, ctx.nodeAllocatable);
  } catch (e) {
    throw new EnvError((e as Error).message);
  }
}

/**
 * envFrom's variables from one configmap's or secret's keys (prefixed); keys that are no valid
 * name are skipped with one Warning event, as upstream's makeEnvironmentVariables.
 */
function addEnvFrom(env: Map<string, string>, data: Record<string, string>, prefix: string, source: string, ctx: EnvContext): void {
  const invalid: string[] = [];
  for (const [key, value] of Object.entries(data)) {
    const name = prefix + key;
    if (ENV_NAME.test(name)) env.set(name, value);
    else invalid.push(name);
  }
  if (invalid.length === 0) return;
  ctx.warn?.('InvalidEnvironmentVariableNames',
    `Keys [${invalid.sort().join(', ')}] from the EnvFrom ${source} were skipped since they are considered invalid environment variable names.`);
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
      addEnvFrom(env, cm.data ?? {}, prefix, `configMap ${ns}/${name}`, ctx);
    } else if (from.secretRef) {
      const name = from.secretRef.name ?? '';
      const s = await secret(name);
      if (!s) {
        if (from.secretRef.optional) continue;
        throw new EnvError(`secret "${name}" not found`);
      }
      addEnvFrom(env, Object.fromEntries(Object.entries(s.data ?? {}).map(([k, v]) => [k, b64(v)])), prefix, `secret ${ns}/${name}`, ctx);
    }
  }

  const lookup = (name: string) => env.get(name) ?? ctx.serviceEnv?.[name];
  for (const e of container.env ?? []) {
    const vf = e.valueFrom;
    if (!vf) { env.set(e.name, expandVars(e.value ?? '', lookup)); continue; }
    if (vf.fieldRef) env.set(e.name, fieldValue(pod, vf.fieldRef.fieldPath, ctx));
    else if (vf.resourceFieldRef) env.set(e.name, resourceValue(container, pod, vf.resourceFieldRef, ctx));
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
