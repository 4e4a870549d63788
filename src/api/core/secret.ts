// core/v1 Secret as plain JSON: data values are base64-encoded.
import type { KubeObject, ObjectMeta } from '../object.ts';

export interface Secret extends KubeObject {
  metadata: ObjectMeta;
  /** "Opaque" unless one of the kubernetes.io/ types. */
  type?: string;
  /** Base64-encoded values. */
  data?: Record<string, string>;
  /** Write-only plain values, folded into data on write. */
  stringData?: Record<string, string>;
  immutable?: boolean;
}
