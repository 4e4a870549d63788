// The pods/binding subresource, as upstream's BindingREST: assigns a pending pod to a node.
import type { Binding, Pod, PodCondition } from '../../../api/core/index.ts';
import { rfc3339 } from '../../../api/object.ts';
import { errors } from '../../../api/errors.ts';
import { field, type FieldError } from '../../../api/validation/field.ts';

const bindingResource = { group: '', resource: 'pods/binding' };

export function validateBinding(binding: Binding): FieldError[] {
  const errs: FieldError[] = [];
  const target = binding.target ?? {};
  if (target.kind && target.kind !== 'Node') errs.push(field.notSupported('target.kind', target.kind, ['Node', '<empty>']));
  if (!target.name) errs.push(field.required('target.name', ''));
  return errs;
}

/**
 * The pod after binding: spec.nodeName set, the binding's annotations copied, and the
 * PodScheduled condition true. Throws StatusError (Invalid, Conflict) as upstream answers.
 */
export function applyBinding(pod: Pod, binding: Binding, now: Date = new Date()): Pod {
  const name = pod.metadata.name ?? '';
  const errs = validateBinding(binding);
  if (errs.length > 0) throw errors.invalid('', 'Binding', binding.metadata?.name ?? name, errs);
  const uid = binding.metadata?.uid;
  if (uid && pod.metadata.uid && uid !== pod.metadata.uid) {
    throw errors.conflict(bindingResource, name, `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${pod.metadata.uid}`);
  }
  if (pod.metadata.deletionTimestamp) {
    throw errors.conflict(bindingResource, name, `pod ${name} is being deleted, cannot be assigned to a host`);
  }
  if (pod.spec?.nodeName) {
    throw errors.conflict(bindingResource, name, `pod ${name} is already assigned to node "${pod.spec.nodeName}"`);
  }
  const out = structuredClone(pod);
  out.spec.nodeName = binding.target.name;
  const annotations = binding.metadata?.annotations;
  if (annotations && Object.keys(annotations).length > 0) out.metadata.annotations = { ...(out.metadata.annotations ?? {}), ...annotations };
  out.status ??= {};
  const conditions: PodCondition[] = (out.status.conditions ??= []);
  const existing = conditions.find((c) => c?.type === 'PodScheduled');
  const ts = rfc3339(now);
  if (existing) {
    if (existing.status !== 'True') existing.lastTransitionTime = ts;
    existing.status = 'True';
    delete existing.reason;
    delete existing.message;
    existing.lastProbeTime = null;
  } else {
    conditions.push({ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: ts });
  }
  return out;
}
