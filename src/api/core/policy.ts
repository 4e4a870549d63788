// policy/v1 PodDisruptionBudget and Eviction as plain JSON.
import type { KubeObject, ObjectMeta } from '../object.ts';
import type { MetaLabelSelector } from '../selectors/labels.ts';
import type { IntOrString } from './pod.ts';

export type UnhealthyPodEvictionPolicyType = 'IfHealthyBudget' | 'AlwaysAllow';

export interface PodDisruptionBudgetSpec {
  minAvailable?: IntOrString;
  /** nil selects no pods; `{}` every pod of the namespace (policy/v1). */
  selector?: MetaLabelSelector | null;
  maxUnavailable?: IntOrString;
  unhealthyPodEvictionPolicy?: UnhealthyPodEvictionPolicyType;
}

/** metav1.Condition: the condition shape of newer kinds (message and reason are required). */
export interface MetaCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  observedGeneration?: number;
  lastTransitionTime: string;
  reason: string;
  message: string;
}

export interface PodDisruptionBudgetStatus {
  observedGeneration?: number;
  /** Pod name → when the eviction API let it go (RFC 3339); the controller drops entries after 2 minutes. */
  disruptedPods?: Record<string, string>;
  disruptionsAllowed: number;
  currentHealthy: number;
  desiredHealthy: number;
  expectedPods: number;
  conditions?: MetaCondition[];
}

export interface PodDisruptionBudget extends KubeObject {
  metadata: ObjectMeta;
  spec?: PodDisruptionBudgetSpec;
  status?: PodDisruptionBudgetStatus;
}

export interface EvictionDeleteOptions {
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: string[];
  propagationPolicy?: string;
  orphanDependents?: boolean;
}

/** The body of a POST to pods/<name>/eviction. */
export interface Eviction extends KubeObject {
  metadata: ObjectMeta;
  deleteOptions?: EvictionDeleteOptions;
}
