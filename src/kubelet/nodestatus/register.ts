// Registering the Node: create it; if it exists, take it over, reconciling the default labels
// (hostname, os, arch) and --node-labels, as upstream's tryRegisterWithAPIServer. Retries forever
// with upstream's capped backoff (100 ms doubling to 7 s) until it succeeds or the kubelet stops.
import { isStatusError } from '../../api/errors.ts';
import type { Node } from '../../api/core/index.ts';
import { Backoff } from '../backoff.ts';
import { corePath, type ApiClient } from '../client/client.ts';
import type { Clock } from '../clock.ts';
import type { Logger } from '../log.ts';
import type { Taint } from '../options/values.ts';
import type { NodeStatus } from './types.ts';

export interface InitialNodeParams {
  nodeName: string;
  hostname: string;
  os: string;
  arch: string;
  nodeLabels: Record<string, string>;
  taints: Taint[];
  status?: NodeStatus;
}

const attachDetachAnnotation = 'volumes.kubernetes.io/controller-managed-attach-detach';

/** The labels the kubelet owns on its Node; upstream keeps them in sync on every registration. */
export function defaultLabels(p: Pick<InitialNodeParams, 'hostname' | 'os' | 'arch'>): Record<string, string> {
  return {
    'kubernetes.io/hostname': p.hostname,
    'kubernetes.io/os': p.os,
    'kubernetes.io/arch': p.arch,
    'beta.kubernetes.io/os': p.os,
    'beta.kubernetes.io/arch': p.arch,
  };
}

export function initialNode(p: InitialNodeParams): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: p.nodeName,
      labels: { ...defaultLabels(p), ...p.nodeLabels },
      annotations: { [attachDetachAnnotation]: 'true' },
    },
    spec: p.taints.length ? { taints: p.taints.map((t) => ({ ...t })) } : {},
    ...(p.status ? { status: p.status } : {}),
  };
}

/**
 * Takes over an existing Node: the default labels and --node-labels get the kubelet's values
 * (Berth also applies --node-labels here, which upstream only does at creation), the
 * attach-detach annotation is added if missing. Returns the node to write, or undefined when
 * nothing needs to change.
 */
export function reconcileExistingNode(existing: Node, initial: Node): Node | undefined {
  const node = structuredClone(existing);
  const labels = (node.metadata.labels ??= {});
  const annotations = (node.metadata.annotations ??= {});
  let changed = false;
  for (const [k, v] of Object.entries(initial.metadata.labels ?? {})) {
    if (labels[k] !== v) {
      labels[k] = v;
      changed = true;
    }
  }
  if (annotations[attachDetachAnnotation] === undefined) {
    annotations[attachDetachAnnotation] = 'true';
    changed = true;
  }
  return changed ? node : undefined;
}

/** One registration attempt: true when the node is registered (created or taken over). */
export async function tryRegister(api: ApiClient, initial: Node, log: Logger): Promise<boolean> {
  const name = initial.metadata.name!;
  try {
    await api.create(corePath('nodes'), initial);
    log.info('Successfully registered node', { node: name });
    return true;
  } catch (e) {
    if (!isStatusError(e, 'AlreadyExists')) {
      log.error('Unable to register node with API server', e, { node: name });
      return false;
    }
  }
  try {
    const existing = await api.get(corePath('nodes', undefined, name));
    const updated = reconcileExistingNode(existing, initial);
    if (updated) await api.update(corePath('nodes', undefined, name), updated);
    log.info('Node was previously registered', { node: name });
    return true;
  } catch (e) {
    log.error('Unable to reconcile the existing node with API server', e, { node: name });
    return false;
  }
}

/** Registers until it succeeds; resolves false only when the signal aborts first. */
export async function registerWithApiServer(api: ApiClient, makeInitial: () => Promise<Node>, clock: Clock, log: Logger, signal: AbortSignal): Promise<boolean> {
  const backoff = new Backoff({ initialMs: 100, maxMs: 7_000 });
  while (!signal.aborted) {
    const initial = await makeInitial();
    log.info('Attempting to register node', { node: initial.metadata.name });
    if (await tryRegister(api, initial, log)) return true;
    await clock.sleep(backoff.next(), signal);
  }
  return false;
}
