// ObjectMeta validation shared by every resource, as upstream's ValidateObjectMeta and
// ValidateObjectMetaUpdate (apimachinery + core additions for finalizers).
import type { KubeObject, ObjectMeta } from '../object.ts';
import { field, type FieldError } from './field.ts';
import {
  isDNS1123Label,
  isQualifiedName,
  isValidLabelValue,
  isValidPathSegmentName,
  nameIsDNSSubdomain,
  type NameValidator,
} from './names.ts';

export const totalAnnotationSizeLimitB = 256 * 1024;

export interface ObjectMetaOptions {
  namespaced: boolean;
  /** Defaults to DNS-1123 subdomain, as most resources. */
  nameValidator?: NameValidator;
}

const standardFinalizers = new Set(['kubernetes', 'orphan', 'foregroundDeletion']);

export function validateLabels(labels: Record<string, string> | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(labels ?? {})) {
    for (const m of isQualifiedName(k)) errs.push(field.invalid(path, k, m));
    if (typeof v !== 'string') {
      errs.push(field.invalid(`${path}[${k}]`, v, 'must be a string'));
      continue;
    }
    for (const m of isValidLabelValue(v)) errs.push(field.invalid(`${path}[${k}]`, v, m));
  }
  return errs;
}

export function validateAnnotations(annotations: Record<string, string> | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  let total = 0;
  for (const [k, v] of Object.entries(annotations ?? {})) {
    for (const m of isQualifiedName(k.toLowerCase())) errs.push(field.invalid(path, k, m));
    if (typeof v !== 'string') errs.push(field.invalid(`${path}[${k}]`, v, 'must be a string'));
    total += Buffer.byteLength(k) + Buffer.byteLength(String(v));
  }
  if (total > totalAnnotationSizeLimitB) errs.push(field.tooLong(path, undefined, totalAnnotationSizeLimitB));
  return errs;
}

export function validateFinalizers(finalizers: string[] | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const list = finalizers ?? [];
  list.forEach((f, i) => {
    const p = `${path}[${i}]`;
    const msgs = isQualifiedName(f);
    for (const m of msgs) errs.push(field.invalid(p, f, m));
    if (msgs.length === 0 && !standardFinalizers.has(f) && !f.includes('/')) {
      errs.push(field.invalid(p, f, 'name is neither a standard finalizer name nor is it fully qualified'));
    }
  });
  if (list.includes('orphan') && list.includes('foregroundDeletion')) {
    errs.push(field.invalid(path, list, 'finalizer orphan and foregroundDeletion cannot be both set'));
  }
  return errs;
}

function validateOwnerReferences(meta: ObjectMeta, path: string): FieldError[] {
  const errs: FieldError[] = [];
  let controllers = 0;
  (meta.ownerReferences ?? []).forEach((ref, i) => {
    const p = `${path}[${i}]`;
    if (!ref.apiVersion) errs.push(field.invalid(`${p}.apiVersion`, ref.apiVersion ?? '', 'version must not be empty'));
    if (!ref.kind) errs.push(field.invalid(`${p}.kind`, ref.kind ?? '', 'kind must not be empty'));
    if (!ref.name) errs.push(field.invalid(`${p}.name`, ref.name ?? '', 'name must not be empty'));
    if (!ref.uid) errs.push(field.invalid(`${p}.uid`, ref.uid ?? '', 'uid must not be empty'));
    if (ref.controller) controllers++;
  });
  if (controllers > 1) errs.push(field.invalid(path, meta.ownerReferences, 'Only one reference can have Controller set to true'));
  return errs;
}

/** Validation of a new object's metadata. */
export function validateObjectMeta(obj: KubeObject, opts: ObjectMetaOptions): FieldError[] {
  const meta: ObjectMeta = obj.metadata ?? {};
  const nameFn = opts.nameValidator ?? nameIsDNSSubdomain;
  const errs: FieldError[] = [];
  if (meta.generateName) {
    for (const m of nameFn(meta.generateName, true)) errs.push(field.invalid('metadata.generateName', meta.generateName, m));
  }
  if (!meta.name) {
    if (!meta.generateName) errs.push(field.required('metadata.name', 'name or generateName is required'));
  } else {
    for (const m of nameFn(meta.name, false)) errs.push(field.invalid('metadata.name', meta.name, m));
    for (const m of isValidPathSegmentName(meta.name)) errs.push(field.invalid('metadata.name', meta.name, m));
  }
  if (opts.namespaced) {
    if (!meta.namespace) errs.push(field.required('metadata.namespace', ''));
    else for (const m of isDNS1123Label(meta.namespace)) errs.push(field.invalid('metadata.namespace', meta.namespace, m));
  } else if (meta.namespace) {
    errs.push(field.forbidden('metadata.namespace', 'not allowed on this type'));
  }
  if (meta.generation !== undefined && meta.generation < 0) {
    errs.push(field.invalid('metadata.generation', meta.generation, 'must be greater than or equal to 0'));
  }
  errs.push(...validateLabels(meta.labels, 'metadata.labels'));
  errs.push(...validateAnnotations(meta.annotations, 'metadata.annotations'));
  errs.push(...validateOwnerReferences(meta, 'metadata.ownerReferences'));
  errs.push(...validateFinalizers(meta.finalizers, 'metadata.finalizers'));
  return errs;
}

function immutable(path: string, now: unknown, before: unknown): FieldError[] {
  return (now ?? '') === (before ?? '') ? [] : [field.invalid(path, now ?? '', 'field is immutable')];
}

/** Validation of metadata on update: identity fields may not change, the rest is validated as on create. */
export function validateObjectMetaUpdate(obj: KubeObject, old: KubeObject): FieldError[] {
  const m = obj.metadata ?? {};
  const o = old.metadata ?? {};
  const errs: FieldError[] = [];
  errs.push(...immutable('metadata.name', m.name, o.name));
  errs.push(...immutable('metadata.namespace', m.namespace, o.namespace));
  errs.push(...immutable('metadata.uid', m.uid, o.uid));
  errs.push(...immutable('metadata.creationTimestamp', m.creationTimestamp, o.creationTimestamp));
  if (o.deletionTimestamp && m.deletionTimestamp !== o.deletionTimestamp) {
    errs.push(field.invalid('metadata.deletionTimestamp', m.deletionTimestamp ?? null, 'field is immutable; may only be changed via deletion'));
  }
  if (o.deletionGracePeriodSeconds !== undefined && m.deletionGracePeriodSeconds !== o.deletionGracePeriodSeconds) {
    errs.push(field.invalid('metadata.deletionGracePeriodSeconds', m.deletionGracePeriodSeconds ?? null, 'field is immutable; may only be changed via deletion'));
  }
  if (m.generation !== undefined && m.generation < 0) {
    errs.push(field.invalid('metadata.generation', m.generation, 'must be greater than or equal to 0'));
  }
  errs.push(...validateLabels(m.labels, 'metadata.labels'));
  errs.push(...validateAnnotations(m.annotations, 'metadata.annotations'));
  errs.push(...validateOwnerReferences(m, 'metadata.ownerReferences'));
  errs.push(...validateFinalizers(m.finalizers, 'metadata.finalizers'));
  return errs;
}
