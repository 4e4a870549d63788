// core/v1 ConfigMap as plain JSON.
import type { KubeObject, ObjectMeta } from '../object.ts';

export interface ConfigMap extends KubeObject {
  metadata: ObjectMeta;
  data?: Record<string, string>;
  /** Base64-encoded values. */
  binaryData?: Record<string, string>;
  immutable?: boolean;
}
