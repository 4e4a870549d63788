// The files configMap, secret, downwardAPI and projected volumes hold, computed from API
// objects and the pod (pure; the atomic writer puts them on disk).

import type { FileProjection, Payload } from './atomic_writer.ts';
import { containerResourceValue, podFieldValue } from './downward.ts';
import type { ConfigMap, DownwardAPIVolumeFile, KeyToPath, Pod, Secret } from '../../api/core/index.ts';

export const defaultVolumeMode = 0o644;

function fromKeys(
  entries: Map<string, Buffer>,
  items: KeyToPath[] | undefined,
  defaultMode: number,
  optional: boolean,
  missingKey: (key: string) => string,
): Payload {
  const payload: Payload = new Map();
  if (!items || items.length === 0) {
    for (const [key, data] of entries) payload.set(key, { data, mode: defaultMode });
    return payload;
  }
  for (const item of items) {
    const data = entries.get(item.key);
    if (data === undefined) {
      if (optional) continue;
      throw new Error(missingKey(item.key));
    }
    payload.set(item.path, { data, mode: item.mode ?? defaultMode });
  }
  return payload;
}

function configMapEntries(cm: ConfigMap): Map<string, Buffer> {
  const entries = new Map<string, Buffer>();
  for (const [k, v] of Object.entries(cm.data ?? {})) entries.set(k, Buffer.from(v, 'utf8'));
  for (const [k, v] of Object.entries(cm.binaryData ?? {})) entries.set(k, Buffer.from(v, 'base64'));
  return entries;
}

function secretEntries(secret: Secret): Map<string, Buffer> {
  const entries = new Map<string, Buffer>();
  for (const [k, v] of Object.entries(secret.data ?? {})) entries.set(k, Buffer.from(v, 'base64'));
  return entries;
}

/** A configMap's files; cm undefined means an optional configMap that does not exist (no files). */
export function configMapPayload(cm: ConfigMap | undefined, items: KeyToPath[] | undefined, defaultMode: number, optional: boolean): Payload {
  if (!cm) return new Map();
  return fromKeys(configMapEntries(cm), items, defaultMode, optional, (key) => `configmap references non-existent config key: ${key}`);
}

/** A secret's files; secret undefined means an optional secret that does not exist (no files). */
export function secretPayload(secret: Secret | undefined, items: KeyToPath[] | undefined, defaultMode: number, optional: boolean): Payload {
  if (!secret) return new Map();
  return fromKeys(secretEntries(secret), items, defaultMode, optional, (key) => `references non-existent secret key: ${key}`);
}

/** downwardAPI files: pod fields and container resources, as text. */
export function downwardAPIPayload(
  pod: Pod,
  items: DownwardAPIVolumeFile[] | undefined,
  defaultMode: number,
  nodeAllocatable: Record<string, string | number> = {},
): Payload {
  const payload: Payload = new Map();
  for (const item of items ?? []) {
    let value: string;
    if (item.fieldRef) value = podFieldValue(pod, item.fieldRef.fieldPath);
    else if (item.resourceFieldRef) {
      const ref = item.resourceFieldRef;
      value = containerResourceValue(pod, ref.containerName ?? '', ref.resource, ref.divisor, nodeAllocatable);
    } else continue;
    const file: FileProjection = { data: Buffer.from(value, 'utf8'), mode: item.mode ?? defaultMode };
    payload.set(item.path, file);
  }
  return payload;
}

/** Later sources win on a clash, as upstream's projection merge does. */
export function mergePayloads(parts: Payload[]): Payload {
  const out: Payload = new Map();
  for (const p of parts) for (const [k, v] of p) out.set(k, v);
  return out;
}
