// The pods/eviction subresource's decisions, as upstream's EvictionREST (pod storage's
// eviction.go): when a budget can be skipped, which budget answers, and the check-and-decrement
// of its status. The effects (reads, the budget's status write, the pod's deletion) are in
// ../../eviction.ts.
import type { Eviction, Pod, PodCondition, PodDisruptionBudget } from '../../../api/core/index.ts';
import { errors, StatusError } from '../../../api/errors.ts';
import { isRecord, recordOf } from '../../../api/json.ts';
import { rfc3339, type Unstructured } from '../../../api/object.ts';
import { DisruptionBudgetCause, isPodReady, updateDisruptionAllowedCondition } from '../../../api/policy/pdb.ts';
import type { DeleteOptions } from '../store.ts';

/** Upstream's cap on status.disruptedPods: evictions the controller has not confirmed yet. */
export const maxDisruptedPodSize = 2000;

const pdbResource = { group: 'policy', resource: 'poddisruptionbudget' };

export interface EvictionRequest {
  eviction: Eviction;
  /** The Eviction's deleteOptions as the store takes them, dry run merged in from the query. */
  options: DeleteOptions;
  /** The client pinned the pod's resourceVersion itself: no retries, no precondition of ours. */
  pinned: boolean;
}

/** Reads an Eviction body (policy/v1 or v1beta1) for the pod named in the URL; 400 on a mismatch. */
export function evictionRequest(body: Unstructured, podName: string, queryDryRun: boolean): EvictionRequest {
  const eviction: Eviction = body;
  if (eviction.apiVersion && !['policy/v1', 'policy/v1beta1'].includes(eviction.apiVersion)) {
    throw errors.badRequest(`Eviction in version ${JSON.stringify(eviction.apiVersion)} cannot be handled: supported versions are policy/v1 and policy/v1beta1`);
  }
  if ((eviction.metadata?.name ?? '') !== podName) throw errors.badRequest('name in URL does not match name in Eviction object');
  const del = recordOf(eviction.deleteOptions);
  const bodyDryRun = Array.isArray(del.dryRun) ? del.dryRun : [];
  for (const d of bodyDryRun) if (d !== 'All') throw errors.badRequest(`deleteOptions.dryRun: Unsupported value: ${JSON.stringify(d)}: supported values: "All"`);
  const grace = del.gracePeriodSeconds;
  if (grace !== undefined && grace !== null && (typeof grace !== 'number' || !Number.isInteger(grace))) {
    throw errors.badRequest(`deleteOptions.gracePeriodSeconds: Invalid value: ${JSON.stringify(grace)}: must be an integer`);
  }
  const pre = isRecord(del.preconditions) ? del.preconditions : {};
  const preconditions = { uid: typeof pre.uid === 'string' ? pre.uid : undefined, resourceVersion: typeof pre.resourceVersion === 'string' ? pre.resourceVersion : undefined };
  const options: DeleteOptions = {
    gracePeriodSeconds: typeof grace === 'number' ? grace : undefined,
    preconditions: preconditions.uid || preconditions.resourceVersion ? preconditions : undefined,
    dryRun: queryDryRun || bodyDryRun.length > 0,
  };
  return { eviction, options, pinned: !!preconditions.resourceVersion };
}

/** canIgnorePDB: a terminal, pending or already deleting pod goes without asking any budget. */
export function canIgnorePDB(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed' || phase === 'Pending' || !!pod.metadata.deletionTimestamp;
}

/** shouldEnforceResourceVersion: a terminal pod cannot turn healthy again, other pods are pinned to what was read. */
export function shouldEnforceResourceVersion(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed';
}

/** The pod's resourceVersion as the deletion's precondition. */
export function pinResourceVersion(options: DeleteOptions, pod: Pod): DeleteOptions {
  return { ...options, preconditions: { ...options.preconditions, resourceVersion: pod.metadata.resourceVersion } };
}

/** Upstream's answer when a pod has more than one budget: a Failure Status, code 500, no reason. */
export function multipleBudgetsStatus(): Record<string, unknown> & { code: number } {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.',
    code: 500,
  };
}

function tooManyRequests(cause: string, retryAfterSeconds: number): StatusError {
  return new StatusError(429, 'TooManyRequests', "Cannot evict pod as it would violate the pod's disruption budget.", {
    causes: [{ reason: DisruptionBudgetCause, message: cause }],
    ...(retryAfterSeconds > 0 ? { retryAfterSeconds } : {}),
  });
}

/** createTooManyRequestsError: the budget's status is behind its spec (or the pod changed under us). */
export function budgetBeingProcessed(pdbName: string): StatusError {
  return tooManyRequests(`The disruption budget ${pdbName} is still being processed by the server.`, 10);
}

/**
 * Whether an unready pod may go without spending the budget: always under AlwaysAllow, and
 * under IfHealthyBudget (the default) while the budget has its healthy pods.
 */
export function unhealthyPodMayGo(pod: Pod, pdb: PodDisruptionBudget): boolean {
  if (isPodReady(pod)) return false;
  if (pdb.spec?.unhealthyPodEvictionPolicy === 'AlwaysAllow') return true;
  const s = pdb.status;
  return !!s && s.currentHealthy >= s.desiredHealthy && s.desiredHealthy > 0;
}

/**
 * checkAndDecrement: the budget after spending one disruption on the pod, or the error that
 * refuses it (429 with a DisruptionBudget cause while none is allowed). A dry run does not
 * record the pod in disruptedPods.
 */
export function checkAndDecrement(pdb: PodDisruptionBudget, podName: string, dryRun: boolean, now: Date): PodDisruptionBudget {
  const name = pdb.metadata.name ?? '';
  const status = pdb.status ?? { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 };
  if ((status.observedGeneration ?? 0) < (pdb.metadata.generation ?? 0)) throw budgetBeingProcessed(name);
  if (status.disruptionsAllowed < 0) throw errors.forbidden(pdbResource, name, 'pdb disruptions allowed is negative');
  if (Object.keys(status.disruptedPods ?? {}).length > maxDisruptedPodSize) {
    throw errors.forbidden(pdbResource, name, 'DisruptedPods map too big - too many evictions not confirmed by PDB controller');
  }
  if (status.disruptionsAllowed === 0) {
    throw tooManyRequests(`The disruption budget ${name} needs ${status.desiredHealthy} healthy pods and has ${status.currentHealthy} currently`, 0);
  }
  let next = { ...status, disruptionsAllowed: status.disruptionsAllowed - 1 };
  if (next.disruptionsAllowed === 0) next = updateDisruptionAllowedCondition(next, now);
  if (!dryRun) next.disruptedPods = { ...(status.disruptedPods ?? {}), [podName]: rfc3339(now) };
  return { ...pdb, status: next };
}

/** The pod with the DisruptionTarget condition the eviction API sets before deleting (PodDisruptionConditions). */
export function withDisruptionTarget(pod: Pod, now: Date): Pod {
  const out = structuredClone(pod);
  out.status ??= {};
  const conditions: PodCondition[] = (out.status.conditions ??= []);
  const existing = conditions.find((c) => c?.type === 'DisruptionTarget');
  // As podutil.UpdatePodCondition: the transition time moves only when the status does.
  const lastTransitionTime = existing?.status === 'True' && existing.lastTransitionTime ? existing.lastTransitionTime : rfc3339(now);
  const next: PodCondition = { type: 'DisruptionTarget', status: 'True', reason: 'EvictionByEvictionAPI', message: 'Eviction API: evicting', lastProbeTime: null, lastTransitionTime };
  if (existing) Object.assign(existing, next);
  else conditions.push(next);
  return out;
}

/** The conflict upstream answers when the pod no longer matches the Eviction's preconditions. */
export function checkPreconditions(pod: Pod, options: DeleteOptions): void {
  const pre = options.preconditions;
  const name = pod.metadata.name ?? '';
  if (pre?.uid && pre.uid !== pod.metadata.uid) {
    throw errors.conflict({ group: '', resource: 'Pod' }, name, `the UID in the precondition (${pre.uid}) does not match the UID in record (${pod.metadata.uid}). The object might have been deleted and then recreated`);
  }
  if (pre?.resourceVersion && pre.resourceVersion !== pod.metadata.resourceVersion) {
    throw errors.conflict({ group: '', resource: 'Pod' }, name, `the ResourceVersion in the precondition (${pre.resourceVersion}) does not match the ResourceVersion in record (${pod.metadata.resourceVersion}). The object might have been modified`);
  }
}
