// Pod update rules, as upstream's ValidatePodUpdate / ValidatePodStatusUpdate: a pod's spec
// is immutable but for a few fields, and the kubelet's status writes keep the spec.
import type { ContainerStatus, Pod, PodSpec, PodStatus, Toleration } from '../../../api/core/index.ts';
import { isRecord } from '../../../api/json.ts';
import { field, type FieldError } from '../../../api/validation/field.ts';
import { isDNS1123Subdomain, isValidIP } from '../../../api/validation/names.ts';
import { semanticEqual } from './common.ts';
import { validatePodSpec, validateTolerations } from '../../../api/pod/validation.ts';

export const updatablePodSpecFields = [
  '`spec.containers[*].image`',
  '`spec.initContainers[*].image`',
  '`spec.activeDeadlineSeconds`',
  '`spec.tolerations` (only additions to existing tolerations)',
  '`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
];

/** A short, readable description of what differs between two values ("-old/+new" per leaf path). */
export function describeDiff(before: unknown, after: unknown, path = 'spec', out: string[] = []): string[] {
  if (semanticEqual(before, after)) return out;
  if (Array.isArray(before) && Array.isArray(after)) {
    for (let i = 0; i < Math.max(before.length, after.length); i++) describeDiff(before[i], after[i], `${path}[${i}]`, out);
    return out;
  }
  if (isRecord(before) && isRecord(after)) {
    for (const k of [...new Set([...Object.keys(before), ...Object.keys(after)])].sort()) describeDiff(before[k], after[k], `${path}.${k}`, out);
    return out;
  }
  out.push(`- ${path}: ${JSON.stringify(before ?? null)}`, `+ ${path}: ${JSON.stringify(after ?? null)}`);
  return out;
}

function validateOnlyAddedTolerations(now: Toleration[], before: Toleration[], path: string): FieldError[] {
  for (const old of before) {
    // tolerationSeconds may change; everything else of an existing toleration must stay.
    const found = now.some((t) => semanticEqual({ ...old, tolerationSeconds: t?.tolerationSeconds }, t));
    if (!found) return [field.forbidden(path, 'existing toleration can not be modified except its tolerationSeconds')];
  }
  return validateTolerations(now, path);
}

function validateActiveDeadlineUpdate(now: unknown, before: unknown): FieldError[] {
  const p = 'spec.activeDeadlineSeconds';
  if (now !== undefined && now !== null) {
    if (typeof now !== 'number' || now < 0 || now > 2147483647) return [field.invalid(p, now, 'must be between 0 and 2147483647, inclusive')];
    if (typeof before === 'number' && before < now) return [field.invalid(p, now, 'must be less than or equal to previous value')];
  } else if (before !== undefined && before !== null) {
    return [field.invalid(p, null, 'must not update from a positive integer to nil value')];
  }
  return [];
}

function validateSchedulingGatesUpdate(now: { name: string }[], before: { name: string }[]): FieldError[] {
  const oldNames = new Set(before.map((g) => g?.name));
  for (const g of now) {
    if (!oldNames.has(g?.name)) return [field.forbidden('spec.schedulingGates', `only deletion is allowed, but found new scheduling gate '${g?.name}'`)];
  }
  return [];
}

export function validatePodUpdate(pod: Pod, old: Pod): FieldError[] {
  // Defaulting gave the pod a spec; an empty one stands in should it still lack one.
  const spec: PodSpec = pod.spec ?? { containers: [] };
  const oldSpec: PodSpec = old.spec ?? { containers: [] };
  const errs = validatePodSpec(spec);
  errs.push(...validateActiveDeadlineUpdate(spec.activeDeadlineSeconds, oldSpec.activeDeadlineSeconds));
  errs.push(...validateOnlyAddedTolerations(spec.tolerations ?? [], oldSpec.tolerations ?? [], 'spec.tolerations'));
  const gateErrs = validateSchedulingGatesUpdate(spec.schedulingGates ?? [], oldSpec.schedulingGates ?? []);
  errs.push(...gateErrs);

  // Take the allowed changes back out; whatever still differs is forbidden.
  const munged = structuredClone(spec);
  for (const key of ['containers', 'initContainers'] as const) {
    const list = munged[key];
    const oldList = oldSpec[key];
    if (Array.isArray(list) && Array.isArray(oldList) && list.length === oldList.length) {
      list.forEach((c, i) => {
        if (c && oldList[i]) c.image = oldList[i].image;
      });
    }
  }
  munged.activeDeadlineSeconds = oldSpec.activeDeadlineSeconds;
  munged.tolerations = oldSpec.tolerations;
  if (gateErrs.length === 0) munged.schedulingGates = oldSpec.schedulingGates;
  if (typeof oldSpec.terminationGracePeriodSeconds === 'number' && oldSpec.terminationGracePeriodSeconds < 0 && spec.terminationGracePeriodSeconds === 1) {
    munged.terminationGracePeriodSeconds = oldSpec.terminationGracePeriodSeconds;
  }
  for (const [k, v] of Object.entries(munged)) if (v === undefined) Reflect.deleteProperty(munged, k);
  if (!semanticEqual(munged, oldSpec)) {
    const diff = describeDiff(oldSpec, munged).join('\n');
    errs.push(field.forbidden('spec', `pod updates may not change fields other than ${updatablePodSpecFields.join(',')}\n${diff}`));
  }
  return errs;
}

/** Keep podIP/podIPs and hostIP/hostIPs in step, as the v1 conversion does. */
export function syncPodIPs(status: PodStatus | undefined): void {
  if (!status) return;
  for (const [single, plural] of [['podIP', 'podIPs'], ['hostIP', 'hostIPs']] as const) {
    const list = status[plural];
    const ip = status[single];
    if (ip && !(Array.isArray(list) && list.length > 0)) status[plural] = [{ ip }];
    else if (!ip && Array.isArray(list) && list[0]?.ip) status[single] = list[0].ip;
  }
}

function validateIPList(status: PodStatus, single: 'podIP' | 'hostIP', plural: 'podIPs' | 'hostIPs'): FieldError[] {
  const errs: FieldError[] = [];
  const list = Array.isArray(status[plural]) ? status[plural] : [];
  const seen = new Set<string>();
  list.forEach((entry, i) => {
    const ip = entry?.ip ?? '';
    for (const m of isValidIP(ip)) errs.push(field.invalid(`status.${plural}[${i}].ip`, ip, m));
    if (seen.has(ip)) errs.push(field.duplicate(`status.${plural}[${i}].ip`, ip));
    seen.add(ip);
  });
  if (list.length > 0 && status[single] && status[single] !== list[0]?.ip) {
    errs.push(field.invalid(`status.${single}`, status[single], `must be equal to status.${plural}[0].ip`));
  }
  return errs;
}

function validateContainerTransitions(now: ContainerStatus[], before: ContainerStatus[], restartPolicy: string, path: string): FieldError[] {
  const errs: FieldError[] = [];
  now.forEach((s, i) => {
    const prev = before.find((o) => o?.name === s?.name);
    const term = prev?.state?.terminated;
    if (!term || s?.state?.terminated) return;
    if (restartPolicy === 'Never' || (restartPolicy === 'OnFailure' && term.exitCode === 0)) {
      errs.push(field.forbidden(`${path}[${i}].state`, 'may not be transitioned to non-terminated state'));
    }
  });
  return errs;
}

export function validatePodStatusUpdate(pod: Pod, old: Pod): FieldError[] {
  const status = pod.status ?? {};
  const errs: FieldError[] = [];
  if (status.nominatedNodeName) {
    for (const m of isDNS1123Subdomain(status.nominatedNodeName)) errs.push(field.invalid('status.nominatedNodeName', status.nominatedNodeName, m));
  }
  errs.push(...validateIPList(status, 'podIP', 'podIPs'));
  errs.push(...validateIPList(status, 'hostIP', 'hostIPs'));
  const policy = pod.spec?.restartPolicy ?? 'Always';
  errs.push(...validateContainerTransitions(status.containerStatuses ?? [], old.status?.containerStatuses ?? [], policy, 'status.containerStatuses'));
  // Init containers never restart once they succeeded, whatever the pod's policy.
  errs.push(
    ...validateContainerTransitions(
      (status.initContainerStatuses ?? []).filter((s) => {
        const c = (pod.spec?.initContainers ?? []).find((ic) => ic?.name === s?.name);
        return c?.restartPolicy !== 'Always';
      }),
      old.status?.initContainerStatuses ?? [],
      policy === 'Always' ? 'OnFailure' : policy,
      'status.initContainerStatuses',
    ),
  );
  return errs;
}
