// core/v1 ServiceAccount as plain JSON.
import type { KubeObject, ObjectMeta } from '../object.ts';
import type { ObjectReference } from './common.ts';
import type { LocalObjectReference } from './pod.ts';

export interface ServiceAccount extends KubeObject {
  metadata: ObjectMeta;
  secrets?: ObjectReference[];
  imagePullSecrets?: LocalObjectReference[];
  automountServiceAccountToken?: boolean;
}
