// The API objects a pod references, as upstream's podutil visitors and the Node
// authorizer's graph see them: the basis of what a node may read, and of what a mirror
// pod may not reference.
import type { KubeObject } from '../../api/object.ts';

export interface PodReferences {
  secrets: Set<string>;
  configMaps: Set<string>;
  persistentVolumeClaims: Set<string>;
  /** Empty when the pod names no service account. */
  serviceAccount: string;
}

type Ref = { name?: string } | undefined;
type AnyRecord = Record<string, any>;

function allContainers(spec: AnyRecord): AnyRecord[] {
  return [...(spec.initContainers ?? []), ...(spec.containers ?? []), ...(spec.ephemeralContainers ?? [])];
}

/** Volume sources that name a secret through a `secretRef`. */
const secretRefVolumeKinds = ['cephfs', 'cinder', 'flexVolume', 'rbd', 'iscsi', 'scaleIO', 'storageos'];

export function podReferences(pod: KubeObject): PodReferences {
  const spec = (pod.spec ?? {}) as AnyRecord;
  const refs: PodReferences = {
    secrets: new Set(),
    configMaps: new Set(),
    persistentVolumeClaims: new Set(),
    serviceAccount: spec.serviceAccountName || spec.serviceAccount || '',
  };
  const add = (set: Set<string>, name: unknown) => {
    if (typeof name === 'string' && name !== '') set.add(name);
  };

  for (const s of spec.imagePullSecrets ?? []) add(refs.secrets, (s as Ref)?.name);
  for (const c of allContainers(spec)) {
    for (const from of c.envFrom ?? []) {
      add(refs.secrets, from?.secretRef?.name);
      add(refs.configMaps, from?.configMapRef?.name);
    }
    for (const env of c.env ?? []) {
      add(refs.secrets, env?.valueFrom?.secretKeyRef?.name);
      add(refs.configMaps, env?.valueFrom?.configMapKeyRef?.name);
    }
  }
  for (const v of spec.volumes ?? []) {
    add(refs.secrets, v?.secret?.secretName);
    add(refs.secrets, v?.azureFile?.secretName);
    add(refs.secrets, v?.csi?.nodePublishSecretRef?.name);
    for (const kind of secretRefVolumeKinds) add(refs.secrets, v?.[kind]?.secretRef?.name);
    add(refs.configMaps, v?.configMap?.name);
    for (const source of v?.projected?.sources ?? []) {
      add(refs.secrets, source?.secret?.name);
      add(refs.configMaps, source?.configMap?.name);
    }
    add(refs.persistentVolumeClaims, v?.persistentVolumeClaim?.claimName);
    // A generic ephemeral volume's claim is named <pod>-<volume>.
    if (v?.ephemeral && pod.metadata.name) add(refs.persistentVolumeClaims, `${pod.metadata.name}-${v.name}`);
  }
  return refs;
}
