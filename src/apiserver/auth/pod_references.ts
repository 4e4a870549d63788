// The API objects a pod references, as upstream's podutil visitors and the Node
// authorizer's graph see them: the basis of what a node may read, and of what a mirror
// pod may not reference. The spec is read as JSON, each value guarded, since NodeRestriction
// asks this of a pod a client is still creating.
import { arrayOf, recordOf } from '../../api/json.ts';
import type { ObjectMeta } from '../../api/object.ts';

export interface PodReferences {
  secrets: Set<string>;
  configMaps: Set<string>;
  persistentVolumeClaims: Set<string>;
  /** Empty when the pod names no service account. */
  serviceAccount: string;
}

/** Volume sources that name a secret through a `secretRef`. */
const secretRefVolumeKinds = ['cephfs', 'cinder', 'flexVolume', 'rbd', 'iscsi', 'scaleIO', 'storageos'];

/** A name at a path of objects (`nameAt(v, 'secret', 'secretName')`), when every step is an object. */
function nameAt(value: unknown, ...path: string[]): unknown {
  let v = value;
  for (const key of path) v = recordOf(v)[key];
  return v;
}

export function podReferences(pod: { metadata: ObjectMeta; spec?: unknown }): PodReferences {
  const spec = recordOf(pod.spec);
  const refs: PodReferences = {
    secrets: new Set(),
    configMaps: new Set(),
    persistentVolumeClaims: new Set(),
    serviceAccount: String(spec.serviceAccountName || spec.serviceAccount || ''),
  };
  const add = (set: Set<string>, name: unknown) => {
    if (typeof name === 'string' && name !== '') set.add(name);
  };

  for (const s of arrayOf(spec.imagePullSecrets)) add(refs.secrets, nameAt(s, 'name'));
  for (const c of [...arrayOf(spec.initContainers), ...arrayOf(spec.containers), ...arrayOf(spec.ephemeralContainers)]) {
    for (const from of arrayOf(recordOf(c).envFrom)) {
      add(refs.secrets, nameAt(from, 'secretRef', 'name'));
      add(refs.configMaps, nameAt(from, 'configMapRef', 'name'));
    }
    for (const env of arrayOf(recordOf(c).env)) {
      add(refs.secrets, nameAt(env, 'valueFrom', 'secretKeyRef', 'name'));
      add(refs.configMaps, nameAt(env, 'valueFrom', 'configMapKeyRef', 'name'));
    }
  }
  for (const v of arrayOf(spec.volumes)) {
    add(refs.secrets, nameAt(v, 'secret', 'secretName'));
    add(refs.secrets, nameAt(v, 'azureFile', 'secretName'));
    add(refs.secrets, nameAt(v, 'csi', 'nodePublishSecretRef', 'name'));
    for (const kind of secretRefVolumeKinds) add(refs.secrets, nameAt(v, kind, 'secretRef', 'name'));
    add(refs.configMaps, nameAt(v, 'configMap', 'name'));
    for (const source of arrayOf(nameAt(v, 'projected', 'sources'))) {
      add(refs.secrets, nameAt(source, 'secret', 'name'));
      add(refs.configMaps, nameAt(source, 'configMap', 'name'));
    }
    add(refs.persistentVolumeClaims, nameAt(v, 'persistentVolumeClaim', 'claimName'));
    // A generic ephemeral volume's claim is named <pod>-<volume>.
    if (recordOf(v).ephemeral && pod.metadata.name) add(refs.persistentVolumeClaims, `${pod.metadata.name}-${String(recordOf(v).name)}`);
  }
  return refs;
}
