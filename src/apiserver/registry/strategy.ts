// Per-resource rules, upstream's "strategy": pure functions that default, validate and
// describe objects of one kind. The generic store (store.ts) applies them around storage.
// Each strategy is written against its kind (Strategy<Pod>); the registry pairs it with the
// resource whose objects are of that kind, and the generic code sees Strategy<KubeObject>.
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

export interface TableConvertor<T extends KubeObject = KubeObject> {
  columns: TableColumn[];
  /** Cells for one object, in column order (NAME first), `now` for ages. */
  cells(obj: T, now: Date): unknown[];
}

/**
 * Objects their own spec finalizes (namespaces, upstream's finalize subresource): they always
 * pass through being marked for deletion, and go once no finalizer of either kind is left.
 */
export interface SpecFinalization<T extends KubeObject> {
  /** Finalizers in the object's spec that still hold it. */
  pending(obj: T): string[];
  /** Marks the copy a DELETE keeps (a namespace turns Terminating). Mutates obj. */
  markDeleting(obj: T): void;
  /** The finalize subresource: old with the request's spec finalizers and nothing else. */
  finalize(request: T, old: T): T;
}

/**
 * The rules of a subresource that writes one part of the object, as upstream gives such a
 * subresource its own strategy (pods/ephemeralcontainers: spec.ephemeralContainers only).
 */
export interface SubresourceUpdateStrategy<T extends KubeObject> {
  /** Keep everything of old but the part this subresource writes. Mutates obj. */
  prepareForUpdate(obj: T, old: T): void;
  validateUpdate(obj: T, old: T): FieldError[];
}

export interface Strategy<T extends KubeObject = KubeObject> {
  /** Defaults and resets on create (for example: clear status, set generation 1). Mutates obj. */
  prepareForCreate?(obj: T): void;
  /** Validation of a new object; an empty list means valid. */
  validate?(obj: T): FieldError[];
  /** Carry over what an update of the main resource may not change (for example status). Mutates obj. */
  prepareForUpdate?(obj: T, old: T): void;
  validateUpdate?(obj: T, old: T): FieldError[];
  /** For the status subresource: keep everything of old but the status. Mutates obj. */
  prepareForStatusUpdate?(obj: T, old: T): void;
  validateStatusUpdate?(obj: T, old: T): FieldError[];
  /** Subresources that write one part of the object, by subresource name. */
  subresourceUpdates?: Record<string, SubresourceUpdateStrategy<T>>;
  /** Field-selector values of an object ("spec.nodeName" → "node-1"); metadata.name/namespace are always there. */
  fields?(obj: T): Record<string, string>;
  /** The names `fields` gives values for: selectors on any other field are refused. */
  fieldNames?: readonly string[];
  /** Columns for `kubectl get`. Without one, NAME and AGE are shown (CREATED AT for cluster scope, as upstream). */
  table?: TableConvertor<T>;
  /** Whether a metadata.generation bump follows a change from old to obj (spec changes). */
  bumpsGeneration?(obj: T, old: T): boolean;
  /**
   * Graceful deletion (upstream's CheckGracefulDelete): the grace period a DELETE gives obj,
   * from the one requested; 0 deletes at once. Without it every object goes at once.
   */
  gracePeriod?(obj: T, requested: number | undefined): number;
  /** For kinds finalized through their spec (namespaces). */
  specFinalization?: SpecFinalization<T>;
}

/** A strategy's `fields` and `fieldNames` from one getter per selectable field. */
export function selectableFields<T extends KubeObject>(getters: Record<string, (obj: T) => string>): Pick<Strategy<T>, 'fields' | 'fieldNames'> {
  const entries = Object.entries(getters);
  return {
    fieldNames: entries.map(([name]) => name),
    fields(obj) {
      const values: Record<string, string> = {};
      for (const [name, get] of entries) values[name] = get(obj);
      return values;
    },
  };
}
