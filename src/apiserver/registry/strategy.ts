// Per-resource rules, upstream's "strategy": pure functions that default, validate and
// describe objects of one kind. The generic store (store.ts) applies them around storage.
import type { KubeObject } from '../../api/object.ts';
import type { FieldError } from '../../api/validation/field.ts';

export interface TableColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  format?: string;
  description?: string;
  /** Shown only with `-o wide` (priority 1 in upstream's table). */
  priority?: number;
}

export interface TableConvertor {
  columns: TableColumn[];
  /** Cells for one object, in column order (NAME first), `now` for ages. */
  cells(obj: KubeObject, now: Date): unknown[];
}

export interface Strategy {
  /** Defaults and resets on create (for example: clear status, set generation 1). Mutates obj. */
  prepareForCreate?(obj: KubeObject): void;
  /** Validation of a new object; an empty list means valid. */
  validate?(obj: KubeObject): FieldError[];
  /** Carry over what an update of the main resource may not change (for example status). Mutates obj. */
  prepareForUpdate?(obj: KubeObject, old: KubeObject): void;
  validateUpdate?(obj: KubeObject, old: KubeObject): FieldError[];
  /** For the status subresource: keep everything of old but the status. Mutates obj. */
  prepareForStatusUpdate?(obj: KubeObject, old: KubeObject): void;
  validateStatusUpdate?(obj: KubeObject, old: KubeObject): FieldError[];
  /** Field-selector values of an object ("spec.nodeName" → "node-1"); metadata.name/namespace are always there. */
  fields?(obj: KubeObject): Record<string, string>;
  /** Columns for `kubectl get`. Without one, NAME and AGE are shown (CREATED AT for cluster scope, as upstream). */
  table?: TableConvertor;
  /** Whether a metadata.generation bump follows a change from old to obj (spec changes). */
  bumpsGeneration?(obj: KubeObject, old: KubeObject): boolean;
}
