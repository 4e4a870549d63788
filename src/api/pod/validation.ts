// Pod validation on create (as upstream's ValidatePodCreate / ValidatePodSpec): the spec's
// containers, volumes and scheduling fields. Object metadata is validated generically. The
// types say what a pod claims to be; the checks still guard each value, since it is client JSON.
import type { Container, Pod, PodSpec, Toleration, Volume, VolumeProjection } from '../core/index.ts';
import { tryParseQuantity } from '../quantity.ts';
import { field, type FieldError } from '../validation/field.ts';
import { validateEnum } from '../validation/generic.ts';
import { validateLabels } from '../validation/meta.ts';
import { isDNS1123Label, isDNS1123Subdomain, isQualifiedName, isValidLabelValue } from '../validation/names.ts';
import { validateContainer, type ContainerKind } from './container_validation.ts';
import { validateEphemeralContainers } from './ephemeral_validation.ts';

const volumeSourceKeys = [
  'hostPath', 'emptyDir', 'gcePersistentDisk', 'awsElasticBlockStore', 'gitRepo', 'secret', 'nfs', 'iscsi', 'glusterfs',
  'persistentVolumeClaim', 'rbd', 'flexVolume', 'cinder', 'cephfs', 'flocker', 'downwardAPI', 'fc', 'azureFile',
  'configMap', 'vsphereVolume', 'quobyte', 'azureDisk', 'photonPersistentDisk', 'projected', 'portworxVolume',
  'scaleIO', 'storageos', 'csi', 'ephemeral', 'image',
];

const hostPathTypes = ['', 'DirectoryOrCreate', 'Directory', 'FileOrCreate', 'File', 'Socket', 'CharDevice', 'BlockDevice'];

function validateMode(mode: unknown, path: string): FieldError[] {
  if (mode === undefined || mode === null) return [];
  return typeof mode === 'number' && Number.isInteger(mode) && mode >= 0 && mode <= 0o777
    ? []
    : [field.invalid(path, mode, 'must be a number between 0 and 0777 (octal), both inclusive')];
}

const projectionSources = ['secret', 'configMap', 'downwardAPI', 'serviceAccountToken', 'clusterTrustBundle'] as const;

function validateProjection(src: VolumeProjection, path: string): FieldError[] {
  const kinds = projectionSources.filter((k) => src?.[k]);
  const errs: FieldError[] = [];
  if (kinds.length === 0) errs.push(field.required(path, 'must specify exactly 1 of: secret, configMap, downwardAPI, serviceAccountToken, clusterTrustBundle'));
  for (const extra of kinds.slice(1)) errs.push(field.forbidden(`${path}.${extra}`, 'may not specify more than 1 volume type per source'));
  const token = src?.serviceAccountToken;
  if (token) {
    const exp = token.expirationSeconds;
    if (typeof exp === 'number' && exp < 600) errs.push(field.invalid(`${path}.serviceAccountToken.expirationSeconds`, exp, 'may not specify a duration less than 10 minutes'));
    if (typeof exp === 'number' && exp > 2 ** 32) errs.push(field.invalid(`${path}.serviceAccountToken.expirationSeconds`, exp, 'may not specify a duration larger than 2^32 seconds'));
    if (!token.path) errs.push(field.required(`${path}.serviceAccountToken.path`, ''));
  }
  return errs;
}

/** The checks of the volume's one source, `key` (set, not null). */
function validateVolumeSource(v: Volume, key: string, path: string): FieldError[] {
  const p = `${path}.${key}`;
  const errs: FieldError[] = [];
  switch (key) {
    case 'hostPath':
      if (!v.hostPath?.path) errs.push(field.required(`${p}.path`, ''));
      errs.push(...validateEnum(v.hostPath?.type, `${p}.type`, hostPathTypes, false));
      break;
    case 'emptyDir': {
      errs.push(...validateEnum(v.emptyDir?.medium, `${p}.medium`, ['', 'Memory', 'HugePages'], false));
      const sizeLimit = v.emptyDir?.sizeLimit;
      if (sizeLimit !== undefined && !tryParseQuantity(sizeLimit)) errs.push(field.invalid(`${p}.sizeLimit`, sizeLimit, 'must be a valid quantity'));
      break;
    }
    case 'secret':
      if (!v.secret?.secretName) errs.push(field.required(`${p}.secretName`, ''));
      errs.push(...validateMode(v.secret?.defaultMode, `${p}.defaultMode`));
      break;
    case 'configMap':
      if (!v.configMap?.name) errs.push(field.required(`${p}.name`, ''));
      errs.push(...validateMode(v.configMap?.defaultMode, `${p}.defaultMode`));
      break;
    case 'persistentVolumeClaim':
      if (!v.persistentVolumeClaim?.claimName) errs.push(field.required(`${p}.claimName`, ''));
      break;
    case 'downwardAPI':
      errs.push(...validateMode(v.downwardAPI?.defaultMode, `${p}.defaultMode`));
      break;
    case 'projected':
      errs.push(...validateMode(v.projected?.defaultMode, `${p}.defaultMode`));
      (v.projected?.sources ?? []).forEach((src, i) => errs.push(...validateProjection(src, `${p}.sources[${i}]`)));
      break;
  }
  return errs;
}

const containerLists = [['initContainers', 'init'], ['containers', 'container'], ['ephemeralContainers', 'ephemeral']] as const satisfies ReadonlyArray<readonly [keyof PodSpec, ContainerKind]>;

/** Volumes: unique DNS-label names and exactly one source each. Returns the names for mounts. */
export function validateVolumes(volumes: Volume[], path: string): { errs: FieldError[]; names: Set<string> } {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  volumes.forEach((v, i) => {
    const ip = `${path}[${i}]`;
    if (!v || typeof v !== 'object') return void errs.push(field.invalid(ip, v, 'must be an object'));
    if (!v.name) errs.push(field.required(`${ip}.name`, ''));
    else {
      for (const m of isDNS1123Label(v.name)) errs.push(field.invalid(`${ip}.name`, v.name, m));
      if (names.has(v.name)) errs.push(field.duplicate(`${ip}.name`, v.name));
      names.add(v.name);
    }
    const sources = Object.keys(v).filter((k) => k !== 'name' && v[k] !== undefined && v[k] !== null);
    const known = sources.filter((k) => volumeSourceKeys.includes(k));
    if (sources.length === 0) errs.push(field.required(ip, 'must specify a volume type'));
    for (const extra of sources.slice(1)) errs.push(field.forbidden(`${ip}.${extra}`, 'may not specify more than 1 volume type'));
    for (const k of sources) if (!known.includes(k)) errs.push(field.forbidden(`${ip}.${k}`, 'unknown volume type'));
    if (known.length === 1) errs.push(...validateVolumeSource(v, known[0], ip));
  });
  return { errs, names };
}

export function validateTolerations(tolerations: Toleration[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  tolerations.forEach((t, i) => {
    const ip = `${path}[${i}]`;
    if (t?.key) for (const m of isQualifiedName(t.key)) errs.push(field.invalid(`${ip}.key`, t.key, m));
    if (!t?.key && t?.operator !== 'Exists') {
      errs.push(field.invalid(`${ip}.operator`, t?.operator ?? '', 'operator must be Exists when `key` is empty, which means "match all values and all keys"'));
    }
    if (t?.tolerationSeconds !== undefined && t?.tolerationSeconds !== null && t?.effect !== 'NoExecute') {
      errs.push(field.invalid(`${ip}.effect`, t?.effect ?? '', "effect must be 'NoExecute' when `tolerationSeconds` is set"));
    }
    const op = t?.operator ?? '';
    if (op === '' || op === 'Equal') {
      for (const m of isValidLabelValue(t?.value ?? '')) errs.push(field.invalid(`${ip}.value`, t?.value, m));
    } else if (op === 'Exists') {
      if (t.value) errs.push(field.invalid(`${ip}.operator`, t.value, "value must be empty when `operator` is 'Exists'"));
    } else {
      errs.push(field.notSupported(`${ip}.operator`, op, ['Equal', 'Exists']));
    }
    errs.push(...validateEnum(t?.effect, `${ip}.effect`, ['NoSchedule', 'PreferNoSchedule', 'NoExecute'], false));
  });
  return errs;
}

export function validatePodSpec(spec: PodSpec | undefined, path = 'spec'): FieldError[] {
  if (!spec || typeof spec !== 'object') return [field.required(path, '')];
  const errs: FieldError[] = [];
  const vol = validateVolumes(Array.isArray(spec.volumes) ? spec.volumes : [], `${path}.volumes`);
  errs.push(...vol.errs);
  const hostNetwork = spec.hostNetwork === true;
  if (!Array.isArray(spec.containers) || spec.containers.length === 0) errs.push(field.required(`${path}.containers`, ''));
  const seen = new Set<string>();
  for (const [key, kind] of containerLists) {
    const list: Container[] = Array.isArray(spec[key]) ? spec[key] : [];
    list.forEach((c, i) => {
      const p = `${path}.${key}[${i}]`;
      errs.push(...validateContainer(c, p, { kind, volumes: vol.names, hostNetwork }));
      if (c?.name) {
        if (seen.has(c.name)) errs.push(field.duplicate(`${p}.name`, c.name));
        seen.add(c.name);
      }
    });
  }
  errs.push(...validateEphemeralContainers(spec, `${path}.ephemeralContainers`));
  errs.push(...validateEnum(spec.restartPolicy, `${path}.restartPolicy`, ['Always', 'OnFailure', 'Never']));
  errs.push(...validateEnum(spec.dnsPolicy, `${path}.dnsPolicy`, ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None']));
  if (spec.dnsPolicy === 'None' && !spec.dnsConfig) errs.push(field.required(`${path}.dnsConfig`, 'must provide `dnsConfig` when `dnsPolicy` is None'));
  const ads = spec.activeDeadlineSeconds;
  if (ads !== undefined && ads !== null && !(Number.isInteger(ads) && ads >= 1 && ads <= 2147483647)) {
    errs.push(field.invalid(`${path}.activeDeadlineSeconds`, ads, 'must be between 1 and 2147483647, inclusive'));
  }
  if (spec.terminationGracePeriodSeconds !== undefined && !Number.isInteger(spec.terminationGracePeriodSeconds)) {
    errs.push(field.invalid(`${path}.terminationGracePeriodSeconds`, spec.terminationGracePeriodSeconds, 'must be an integer'));
  }
  errs.push(...validateLabels(spec.nodeSelector, `${path}.nodeSelector`));
  for (const key of ['serviceAccountName', 'nodeName'] as const) {
    if (spec[key]) for (const m of isDNS1123Subdomain(spec[key])) errs.push(field.invalid(`${path}.${key}`, spec[key], m));
  }
  for (const key of ['hostname', 'subdomain'] as const) {
    if (spec[key]) for (const m of isDNS1123Label(spec[key])) errs.push(field.invalid(`${path}.${key}`, spec[key], m));
  }
  if (Array.isArray(spec.tolerations)) errs.push(...validateTolerations(spec.tolerations, `${path}.tolerations`));
  errs.push(...validateEnum(spec.preemptionPolicy, `${path}.preemptionPolicy`, ['Never', 'PreemptLowerPriority'], false));
  (spec.readinessGates ?? []).forEach((g, i) => {
    for (const m of isQualifiedName(g?.conditionType ?? '')) errs.push(field.invalid(`${path}.readinessGates[${i}].conditionType`, g?.conditionType ?? '', m));
  });
  (spec.imagePullSecrets ?? []).forEach((s, i) => {
    if (!s?.name) errs.push(field.required(`${path}.imagePullSecrets[${i}].name`, ''));
  });
  return errs;
}

/** Validation of a new pod (upstream's ValidatePodCreate; metadata is validated generically by validateObjectMeta). */
export function validatePod(pod: Pod): FieldError[] {
  const errs = validatePodSpec(pod.spec);
  // Upstream: "EphemeralContainers can only be set on update using the ephemeralcontainers subresource".
  if (Array.isArray(pod.spec?.ephemeralContainers) && pod.spec.ephemeralContainers.length > 0) {
    errs.push(field.forbidden('spec.ephemeralContainers', 'cannot be set on create'));
  }
  return errs;
}
