// core/v1 Binding (the pods/binding subresource's body): assigns a pod to a node.
import type { KubeObject, ObjectMeta } from '../object.ts';
import type { ObjectReference } from './common.ts';

export interface Binding extends KubeObject {
  metadata: ObjectMeta;
  target: ObjectReference;
}
