// The namespace strategy: the "kubernetes" finalizer and Active phase on create, the
// metadata.name label, status rules tied to deletion, and the finalize subresource.
import type { KubeObject } from '../../../api/object.ts';
import { field, type FieldError } from '../../../api/validation/field.ts';
import { isQualifiedName } from '../../../api/validation/names.ts';
import type { Strategy } from '../strategy.ts';
import { age, ageColumn, keepAllButStatus, keepStatus, nameColumn } from './common.ts';

export const namespaceNameLabel = 'kubernetes.io/metadata.name';

function labelWithName(ns: KubeObject): void {
  if (!ns.metadata.name) return;
  ns.metadata.labels = { ...(ns.metadata.labels ?? {}), [namespaceNameLabel]: ns.metadata.name };
}

export function validateNamespaceFinalizers(finalizers: unknown): FieldError[] {
  const errs: FieldError[] = [];
  (Array.isArray(finalizers) ? finalizers : []).forEach((f, i) => {
    const p = `spec.finalizers[${i}]`;
    const msgs = isQualifiedName(String(f));
    for (const m of msgs) errs.push(field.invalid(p, f, m));
    if (msgs.length === 0 && f !== 'kubernetes' && !String(f).includes('/')) {
      errs.push(field.invalid(p, f, 'name is neither a standard finalizer name nor is it fully qualified'));
    }
  });
  return errs;
}

export function validateNamespaceStatusUpdate(ns: KubeObject): FieldError[] {
  const phase = ns.status?.phase;
  if (!ns.metadata.deletionTimestamp) {
    return phase === 'Active' ? [] : [field.invalid('status.Phase', phase ?? '', "may only be 'Active' if `deletionTimestamp` is empty")];
  }
  return phase === 'Terminating' ? [] : [field.invalid('status.Phase', phase ?? '', "may only be 'Terminating' if `deletionTimestamp` is not empty")];
}

/** The finalize subresource: only spec.finalizers of the request counts. */
export function prepareForFinalize(ns: KubeObject, old: KubeObject): KubeObject {
  return { ...structuredClone(old), spec: { ...(old.spec ?? {}), finalizers: ns.spec?.finalizers ?? [] } };
}

export const namespaceStrategy: Strategy = {
  prepareForCreate(ns) {
    ns.spec ??= {};
    const finalizers: string[] = Array.isArray(ns.spec.finalizers) ? ns.spec.finalizers : [];
    if (!finalizers.includes('kubernetes')) finalizers.push('kubernetes');
    ns.spec.finalizers = finalizers;
    ns.status = { phase: 'Active' };
    labelWithName(ns);
  },
  validate: (ns) => validateNamespaceFinalizers(ns.spec?.finalizers),
  prepareForUpdate(ns, old) {
    // Finalizers change only through the finalize subresource.
    ns.spec = { ...(ns.spec ?? {}), finalizers: old.spec?.finalizers };
    if (ns.spec.finalizers === undefined) delete ns.spec.finalizers;
    keepStatus(ns, old);
    labelWithName(ns);
  },
  validateUpdate: (ns) => validateNamespaceFinalizers(ns.spec?.finalizers),
  prepareForStatusUpdate: (ns, old) => keepAllButStatus(ns, old),
  validateStatusUpdate: validateNamespaceStatusUpdate,
  fields: (ns) => ({ 'status.phase': ns.status?.phase ?? '' }),
  table: {
    columns: [nameColumn, { name: 'Status', type: 'string', description: 'The status of the namespace' }, ageColumn],
    cells: (ns, now) => [ns.metadata.name, ns.status?.phase ?? '', age(ns, now)],
  },
  bumpsGeneration: () => false,
};
