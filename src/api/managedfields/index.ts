// Server-side apply and field ownership (upstream's k8s.io/apimachinery/pkg/util/managedfields
// over sigs.k8s.io/structured-merge-diff): the public face the API server uses.
export { apply, applyConflict, ignoredFields, recordUpdate, type ApplyRequest, type FieldScope } from './fieldmanager.ts';
export { type ManagedFieldsEntry } from './managers.ts';
