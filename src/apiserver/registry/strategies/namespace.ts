// The namespace strategy: the "kubernetes" finalizer and Active phase on create, the
// metadata.name label, status rules tied to deletion, and the finalize subresource.
import type { Namespace } from '../../../api/core/index.ts';
import { field, type FieldError } from '../../../api/validation/field.ts';
import { isQualifiedName } from '../../../api/validation/names.ts';
import { selectableFields, type Strategy } from '../strategy.ts';
import { age, ageColumn, keepAllButStatus, keepStatus, nameColumn } from './common.ts';

export const namespaceNameLabel = 'kubernetes.io/metadata.name';

function labelWithName(ns: Namespace): void {
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

export function validateNamespaceStatusUpdate(ns: Namespace): FieldError[] {
  const phase = ns.status?.phase;
  if (!ns.metadata.deletionTimestamp) {
    return phase === 'Active' ? [] : [field.invalid('status.Phase', phase ?? '', "may only be 'Active' if `deletionTimestamp` is empty")];
  }
  return phase === 'Terminating' ? [] : [field.invalid('status.Phase', phase ?? '', "may only be 'Terminating' if `deletionTimestamp` is not empty")];
}

/** The finalize subresource: only spec.finalizers of the request counts. */
export function prepareForFinalize(ns: Namespace, old: Namespace): Namespace {
  return { ...structuredClone(old), spec: { ...old.spec, finalizers: ns.spec?.finalizers ?? [] } };
}

export const namespaceStrategy: Strategy<Namespace> = {
  prepareForCreate(ns) {
    ns.spec ??= {};
    const finalizers = Array.isArray(ns.spec.finalizers) ? ns.spec.finalizers : [];
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
  ...selectableFields<Namespace>({ 'status.phase': (ns) => ns.status?.phase ?? '' }),
  table: {
    columns: [nameColumn, { name: 'Status', type: 'string', description: 'The status of the namespace' }, ageColumn],
    cells: (ns, now) => [ns.metadata.name, ns.status?.phase ?? '', age(ns, now)],
  },
  bumpsGeneration: () => false,
  specFinalization: {
    pending: (ns) => ns.spec?.finalizers ?? [],
    markDeleting(ns) {
      ns.status = { ...ns.status, phase: 'Terminating' };
    },
    finalize: prepareForFinalize,
  },
};
