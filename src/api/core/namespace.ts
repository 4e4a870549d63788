// core/v1 Namespace as plain JSON.
import type { KubeObject, ObjectMeta } from '../object.ts';

export interface NamespaceSpec {
  /** What must finish before the namespace goes; "kubernetes" is the namespace controller's. */
  finalizers?: string[];
}

export interface NamespaceCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

export interface NamespaceStatus {
  phase?: 'Active' | 'Terminating';
  conditions?: NamespaceCondition[];
}

export interface Namespace extends KubeObject {
  metadata: ObjectMeta;
  spec?: NamespaceSpec;
  status?: NamespaceStatus;
}
