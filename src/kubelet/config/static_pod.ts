// Turning a manifest from a file or URL into a static pod, as upstream's applyDefaults and
// tryDecodeSinglePod (pkg/kubelet/config/common.go): API defaults, a UID that is a hash of
// the content and where it came from, the node-qualified name, then validation and the rule
// that a static pod may not reference API objects (the API server would refuse its mirror).
import { createHash } from 'node:crypto';
import type { Container, Pod, Toleration } from '../../api/core/index.ts';
import { field, fieldErrorMessage, type FieldError } from '../../api/validation/field.ts';
import { validateObjectMeta } from '../../api/validation/meta.ts';
import { applyPodDefaults, ConfigSourceAnnotation, validatePod } from '../../api/pod/index.ts';
import { describe } from './manifest.ts';
import { decodeTyped } from './schema_check.ts';
import { ConfigHashAnnotation } from './types.ts';

export interface StaticPodContext {
  nodeName: string;
  source: 'file' | 'http';
  /** The file path or URL: part of the UID's hash. */
  origin: string;
}

export type StaticPodResult = { pod: Pod; error?: undefined } | { pod?: undefined; error: string };

/** Upstream's generatePodName: the manifest's name, a dash, the node name in lower case. */
export function staticPodName(name: string, nodeName: string): string {
  return `${name}-${nodeName.toLowerCase()}`;
}

/**
 * The UID of a static pod without one: the MD5 (hex) of the defaulted manifest, then for a
 * file "host:<node>" and "file:<path>", for a URL "url:<url>" (upstream leaves the node out there).
 */
export function staticPodUID(defaulted: Pod, ctx: StaticPodContext): string {
  const h = createHash('md5').update(canonicalJson(defaulted));
  if (ctx.source === 'file') h.update(`host:${ctx.nodeName}`).update(`file:${ctx.origin}`);
  else h.update(`url:${ctx.origin}`);
  return h.digest('hex');
}

/** JSON with object keys sorted, so equal content always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** Decodes, defaults and validates one pod object of a manifest. Never throws. */
export function prepareStaticPod(raw: unknown, ctx: StaticPodContext): StaticPodResult {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return { error: `expected a Pod object, got ${describe(raw)}` };
  const kind = 'kind' in raw ? raw.kind : undefined;
  const apiVersion = 'apiVersion' in raw ? raw.apiVersion : undefined;
  if (kind === undefined || kind === '') return { error: "Object 'Kind' is missing" };
  if (kind !== 'Pod') return { error: `expected kind "Pod", got ${JSON.stringify(kind)}` };
  if (apiVersion !== 'v1') return { error: `unsupported apiVersion ${JSON.stringify(apiVersion ?? '')} for a Pod: want "v1"` };
  const decoded = decodeTyped<Pod>(raw, 'V1Pod');
  if ('errors' in decoded) return invalid(decoded.errors);
  if (decoded.value.spec === undefined || decoded.value.spec === null) return invalid([field.required('spec', '')]);

  const pod = structuredClone(decoded.value);
  pod.metadata ??= {};
  const meta = pod.metadata;
  if (!meta.name) return invalid([field.required('metadata.name', 'name is required for a static pod')]);
  applyPodDefaults(pod);
  if (!meta.uid) meta.uid = staticPodUID(pod, ctx);
  meta.name = staticPodName(meta.name, ctx.nodeName);
  if (!meta.namespace) meta.namespace = 'default';
  pod.spec.nodeName = ctx.nodeName;
  meta.annotations = { ...(meta.annotations ?? {}), [ConfigHashAnnotation]: meta.uid, [ConfigSourceAnnotation]: ctx.source };
  // Static pods from files tolerate every NoExecute taint, so node problems never evict them.
  if (ctx.source === 'file') addToleration(pod, { operator: 'Exists', effect: 'NoExecute' });
  pod.status = { ...(pod.status ?? {}), phase: 'Pending' };

  const errs = [...validateObjectMeta(pod, { namespaced: true }), ...validatePod(pod)];
  if (Array.isArray(pod.spec.ephemeralContainers) && pod.spec.ephemeralContainers.length) {
    errs.push(field.forbidden('spec.ephemeralContainers', 'static pods do not support ephemeral containers'));
  }
  if (errs.length) return invalid(errs);
  const refs = apiObjectReferences(pod);
  if (refs.length) return { error: `static pods may not reference API objects: ${refs.map(fieldErrorMessage).join('; ')}` };
  return { pod };
}

function invalid(errs: FieldError[]): StaticPodResult {
  return { error: `invalid pod: ${errs.map(fieldErrorMessage).join('; ')}` };
}

function addToleration(pod: Pod, t: Toleration): void {
  const list = Array.isArray(pod.spec.tolerations) ? pod.spec.tolerations : [];
  const same = (x: Toleration) => (x?.key ?? '') === '' && x?.operator === t.operator && (x?.value ?? '') === '' && x?.effect === t.effect;
  if (!list.some(same)) list.push(t);
  pod.spec.tolerations = list;
}

/** A field of a volume source Berth keeps as opaque JSON. */
function fieldOf(source: unknown, key: string): unknown {
  return source && typeof source === 'object' ? Object.entries(source).find(([k]) => k === key)?.[1] : undefined;
}

// The volume plugins that name a secret, and the field that does (upstream's VisitPodSecretNames).
const secretRefFields: Array<[string, string]> = [
  ['azureFile', 'secretName'], ['cephfs', 'secretRef'], ['cinder', 'secretRef'], ['flexVolume', 'secretRef'],
  ['iscsi', 'secretRef'], ['rbd', 'secretRef'], ['scaleIO', 'secretRef'], ['storageos', 'secretRef'], ['csi', 'nodePublishSecretRef'],
];

/**
 * Every place a pod refers to another API object (as the NodeRestriction admission plugin
 * checks for mirror pods): service accounts, secrets, configmaps, cluster trust bundles,
 * persistent volume claims and resource claims. One Forbidden error per reference.
 */
export function apiObjectReferences(pod: Pod): FieldError[] {
  const spec = pod.spec;
  const errs: FieldError[] = [];
  const ref = (path: string, what: string) => errs.push(field.forbidden(path, `a static pod may not reference ${what}`));
  if (spec.serviceAccountName) ref('spec.serviceAccountName', 'a service account');
  else if (spec.serviceAccount) ref('spec.serviceAccount', 'a service account');
  (spec.imagePullSecrets ?? []).forEach((_, i) => ref(`spec.imagePullSecrets[${i}]`, 'secrets'));
  for (const key of ['initContainers', 'containers', 'ephemeralContainers'] as const) {
    const containers: Container[] = Array.isArray(spec[key]) ? spec[key] : [];
    containers.forEach((c, i) => {
      const p = `spec.${key}[${i}]`;
      (c?.env ?? []).forEach((e, j) => {
        if (e?.valueFrom?.secretKeyRef) ref(`${p}.env[${j}].valueFrom.secretKeyRef`, 'secrets');
        if (e?.valueFrom?.configMapKeyRef) ref(`${p}.env[${j}].valueFrom.configMapKeyRef`, 'configmaps');
      });
      (c?.envFrom ?? []).forEach((e, j) => {
        if (e?.secretRef) ref(`${p}.envFrom[${j}].secretRef`, 'secrets');
        if (e?.configMapRef) ref(`${p}.envFrom[${j}].configMapRef`, 'configmaps');
      });
    });
  }
  (Array.isArray(spec.volumes) ? spec.volumes : []).forEach((v, i) => {
    const p = `spec.volumes[${i}]`;
    if (v?.secret) ref(`${p}.secret`, 'secrets');
    if (v?.configMap) ref(`${p}.configMap`, 'configmaps');
    if (v?.persistentVolumeClaim) ref(`${p}.persistentVolumeClaim`, 'persistentvolumeclaims');
    if (v?.ephemeral) ref(`${p}.ephemeral`, 'persistentvolumeclaims');
    for (const [plugin, key] of secretRefFields) if (fieldOf(v?.[plugin], key)) ref(`${p}.${plugin}.${key}`, 'secrets');
    (v?.projected?.sources ?? []).forEach((s, j) => {
      const sp = `${p}.projected.sources[${j}]`;
      if (s?.secret) ref(`${sp}.secret`, 'secrets');
      if (s?.configMap) ref(`${sp}.configMap`, 'configmaps');
      if (s?.clusterTrustBundle) ref(`${sp}.clusterTrustBundle`, 'clustertrustbundles');
      if (s?.serviceAccountToken) ref(`${sp}.serviceAccountToken`, 'a service account');
    });
  });
  (spec.resourceClaims ?? []).forEach((_, i) => ref(`spec.resourceClaims[${i}]`, 'resourceclaims'));
  return errs;
}
