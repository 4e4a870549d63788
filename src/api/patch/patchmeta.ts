// Patch strategies and merge keys per model field, transcribed from upstream's Go struct
// tags (`patchStrategy:"merge" patchMergeKey:"name"`). Class and field names are those of
// @kubernetes/client-node (see src/api/schema/models.ts). A field absent from this table has
// no strategy: lists replace, maps merge. The OpenAPI generator reads the same table to emit
// x-kubernetes-patch-strategy / x-kubernetes-patch-merge-key.

/** As upstream writes them: 'merge', 'retainKeys', 'merge,retainKeys', 'replace'. */
export type PatchStrategy = 'merge' | 'retainKeys' | 'merge,retainKeys' | 'replace';

export interface PatchMeta {
  strategy: PatchStrategy;
  /** For lists of objects merged by a key field ('name', 'containerPort', 'type', ...). */
  mergeKey?: string;
}

const merge = (mergeKey?: string): PatchMeta => (mergeKey ? { strategy: 'merge', mergeKey } : { strategy: 'merge' });
const mergeRetainKeys = (mergeKey: string): PatchMeta => ({ strategy: 'merge,retainKeys', mergeKey });
const conditionsByType = { conditions: merge('type') };

// Fields shared by Container and EphemeralContainer (upstream's EphemeralContainerCommon).
const containerFields = {
  ports: merge('containerPort'),
  env: merge('name'),
  volumeMounts: merge('mountPath'),
  volumeDevices: merge('devicePath'),
};

const table: Record<string, Record<string, PatchMeta>> = {
  // meta/v1
  V1ObjectMeta: { finalizers: merge(), ownerReferences: merge('uid') },

  // core/v1: pods
  V1PodSpec: {
    volumes: mergeRetainKeys('name'),
    initContainers: merge('name'),
    containers: merge('name'),
    ephemeralContainers: merge('name'),
    imagePullSecrets: merge('name'),
    hostAliases: merge('ip'),
    topologySpreadConstraints: merge('topologyKey'),
    schedulingGates: merge('name'),
    resourceClaims: mergeRetainKeys('name'),
  },
  V1Container: containerFields,
  V1EphemeralContainer: containerFields,
  // containerStatuses, initContainerStatuses and ephemeralContainerStatuses carry no
  // strategy upstream (atomic lists): a status patch replaces them whole.
  V1PodStatus: {
    conditions: merge('type'),
    hostIPs: merge('ip'),
    podIPs: merge('ip'),
    resourceClaimStatuses: mergeRetainKeys('name'),
  },
  V1ContainerStatus: { volumeMounts: merge('mountPath'), allocatedResourcesStatus: merge('name') },

  // core/v1: nodes (images, volumesAttached, volumesInUse, taints have no strategy)
  V1NodeSpec: { podCIDRs: merge() },
  V1NodeStatus: { conditions: merge('type'), addresses: merge('type') },

  // core/v1: services and friends (Endpoints, EndpointSlice and Lease declare none)
  V1ServiceSpec: { ports: merge('port') },
  V1ServiceStatus: conditionsByType,
  V1ServiceAccount: { secrets: merge('name') },
  V1NamespaceStatus: conditionsByType,
  V1PersistentVolumeClaimStatus: conditionsByType,
  V1ReplicationControllerStatus: conditionsByType,
  V1ComponentStatus: conditionsByType,

  // apps/v1, batch/v1, policy/v1, autoscaling/v2
  V1DeploymentSpec: { strategy: { strategy: 'retainKeys' } },
  V1DeploymentStatus: conditionsByType,
  V1ReplicaSetStatus: conditionsByType,
  V1StatefulSetStatus: conditionsByType,
  V1DaemonSetStatus: conditionsByType,
  V1JobStatus: conditionsByType,
  V1PodDisruptionBudgetStatus: conditionsByType,
  V2HorizontalPodAutoscalerStatus: conditionsByType,
};

/** The patch strategy of one field of a model class, or undefined when it has none. */
export function patchMeta(className: string, field: string): PatchMeta | undefined {
  return table[className]?.[field];
}

/** Every field of a class that has a patch strategy (for schema generation). */
export function patchMetaFields(className: string): Readonly<Record<string, PatchMeta>> {
  return table[className] ?? {};
}

export function strategyMerges(meta: PatchMeta | undefined): boolean {
  return meta !== undefined && meta.strategy.split(',').includes('merge');
}

export function strategyRetainsKeys(meta: PatchMeta | undefined): boolean {
  return meta !== undefined && meta.strategy.split(',').includes('retainKeys');
}
