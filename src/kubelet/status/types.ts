// Which pod conditions are the kubelet's to set, and which phases are final. The status itself
// is core/v1's PodStatus (src/api/core).

/** Condition types the kubelet owns (upstream's PodConditionsByKubelet); all others belong to someone else. */
export const kubeletOwnedConditions: readonly string[] = [
  'PodScheduled',
  'Ready',
  'Initialized',
  'ContainersReady',
  'PodReadyToStartContainers',
];

export function isKubeletOwnedCondition(type: string): boolean {
  return kubeletOwnedConditions.includes(type);
}

export function isTerminalPhase(phase: string | undefined): boolean {
  return phase === 'Succeeded' || phase === 'Failed';
}
