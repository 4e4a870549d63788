// Pod validation on create (as upstream's ValidatePodCreate / ValidatePodSpec): the spec's
// containers, volumes and scheduling fields. Object metadata is validated generically.
import type { KubeObject } from '../../../api/object.ts';
import { field, type FieldError } from '../../../api/validation/field.ts';
import { validateLabels } from '../../../api/validation/meta.ts';
import { isDNS1123Label, isDNS1123Subdomain, isQualifiedName, isValidLabelValue } from '../../../api/validation/names.ts';
import { tryParseQuantity } from '../../../api/quantity.ts';
import { validateContainer, validateEnum, type ContainerKind } from './pod_container_validation.ts';

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

function validateProjection(src: any, path: string): FieldError[] {
  const kinds = ['secret', 'configMap', 'downwardAPI', 'serviceAccountToken', 'clusterTrustBundle'].filter((k) => src?.[k]);
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

function validateVolumeSource(v: any, key: string, path: string): FieldError[] {
  const s = v[key];
  const p = `${path}.${key}`;
  const errs: FieldError[] = [];
  switch (key) {
    case 'hostPath':
      if (!s.path) errs.push(field.required(`${p}.path`, ''));
      errs.push(...validateEnum(s.type, `${p}.type`, hostPathTypes, false));
      break;
    case 'emptyDir':
      errs.push(...validateEnum(s.medium, `${p}.medium`, ['', 'Memory', 'HugePages'], false));
      if (s.sizeLimit !== undefined && !tryParseQuantity(s.sizeLimit)) errs.push(field.invalid(`${p}.sizeLimit`, s.sizeLimit, 'must be a valid quantity'));
      break;
    case 'secret':
      if (!s.secretName) errs.push(field.required(`${p}.secretName`, ''));
      errs.push(...validateMode(s.defaultMode, `${p}.defaultMode`));
      break;
    case 'configMap':
      if (!s.name) errs.push(field.required(`${p}.name`, ''));
      errs.push(...validateMode(s.defaultMode, `${p}.defaultMode`));
      break;
    case 'persistentVolumeClaim':
      if (!s.claimName) errs.push(field.required(`${p}.claimName`, ''));
      break;
    case 'downwardAPI':
      errs.push(...validateMode(s.defaultMode, `${p}.defaultMode`));
      break;
    case 'projected':
      errs.push(...validateMode(s.defaultMode, `${p}.defaultMode`));
      (s.sources ?? []).forEach((src: any, i: number) => errs.push(...validateProjection(src, `${p}.sources[${i}]`)));
      break;
  }
  return errs;
}

/** Volumes: unique DNS-label names and exactly one source each. Returns the names for mounts. */
export function validateVolumes(volumes: any[], path: string): { errs: FieldError[]; names: Set<string> } {
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

export function validateTolerations(tolerations: any[], path: string): FieldError[] {
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

export function validatePodSpec(spec: any, path = 'spec'): FieldError[] {
  if (!spec || typeof spec !== 'object') return [field.required(path, '')];
  const errs: FieldError[] = [];
  const vol = validateVolumes(Array.isArray(spec.volumes) ? spec.volumes : [], `${path}.volumes`);
  errs.push(...vol.errs);
  const hostNetwork = spec.hostNetwork === true;
  const containers: any[] = Array.isArray(spec.containers) ? spec.containers : [];
  if (containers.length === 0) errs.push(field.required(`${path}.containers`, ''));
  const seen = new Set<string>();
  const lists: Array<[string, ContainerKind]> = [['initContainers', 'init'], ['containers', 'container'], ['ephemeralContainers', 'ephemeral']];
  for (const [key, kind] of lists) {
    const list: any[] = Array.isArray(spec[key]) ? spec[key] : [];
    list.forEach((c, i) => {
      const p = `${path}.${key}[${i}]`;
      errs.push(...validateContainer(c, p, { kind, volumes: vol.names, hostNetwork }));
      if (c?.name) {
        if (seen.has(c.name)) errs.push(field.duplicate(`${p}.name`, c.name));
        seen.add(c.name);
      }
    });
  }
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
  (spec.readinessGates ?? []).forEach((g: any, i: number) => {
    for (const m of isQualifiedName(g?.conditionType ?? '')) errs.push(field.invalid(`${path}.readinessGates[${i}].conditionType`, g?.conditionType ?? '', m));
  });
  (spec.imagePullSecrets ?? []).forEach((s: any, i: number) => {
    if (!s?.name) errs.push(field.required(`${path}.imagePullSecrets[${i}].name`, ''));
  });
  return errs;
}

/** Validation of a new pod (metadata is validated generically by validateObjectMeta). */
export function validatePod(pod: KubeObject): FieldError[] {
  return validatePodSpec(pod.spec);
}
