// The per-resource rules of every served resource, and the generic metadata validation
// that goes with them (which name rule each resource's names follow).
import type { KubeObject } from '../../../api/object.ts';
import type { FieldError } from '../../../api/validation/field.ts';
import { validateObjectMeta as validateMeta, validateObjectMetaUpdate } from '../../../api/validation/meta.ts';
import { nameIsDNS1035Label, nameIsDNSLabel, nameIsDNSSubdomain, type NameValidator } from '../../../api/validation/names.ts';
import type { Strategy } from '../strategy.ts';
import { configMapStrategy } from './configmap.ts';
import { endpointsStrategy } from './endpoints.ts';
import { endpointSliceStrategy } from './endpointslice.ts';
import { eventStrategy } from './event.ts';
import { leaseStrategy } from './lease.ts';
import { namespaceStrategy } from './namespace.ts';
import { nodeStrategy } from './node.ts';
import { podStrategy } from './pod.ts';
import { podDisruptionBudgetStrategy } from './poddisruptionbudget.ts';
import { secretStrategy } from './secret.ts';
import { serviceAccountStrategy } from './serviceaccount.ts';
import { serviceStrategy } from './service.ts';

export { validateObjectMetaUpdate };
export { applyBinding, validateBinding } from './pod_binding.ts';
export { allocateClusterIP, allocateNodePort, checkRequestedClusterIP, checkRequestedNodePort, kubernetesServiceIP, defaultServiceCIDR, defaultNodePortRange } from './service_alloc.ts';
export { prepareForFinalize } from './namespace.ts';

/** Every stored resource's strategy by "group/resource", each typed by its kind. */
export const strategies = {
  '/pods': podStrategy,
  '/nodes': nodeStrategy,
  '/namespaces': namespaceStrategy,
  '/services': serviceStrategy,
  '/endpoints': endpointsStrategy,
  '/secrets': secretStrategy,
  '/configmaps': configMapStrategy,
  '/serviceaccounts': serviceAccountStrategy,
  '/events': eventStrategy,
  'coordination.k8s.io/leases': leaseStrategy,
  'discovery.k8s.io/endpointslices': endpointSliceStrategy,
  'policy/poddisruptionbudgets': podDisruptionBudgetStrategy,
} satisfies Record<string, Strategy>;

const byResource = new Map<string, Strategy>(Object.entries(strategies));

/** The strategy of a resource, for code that handles any kind; resources without rules of their own get an empty one. */
export function strategyFor(group: string, resource: string): Strategy {
  return byResource.get(`${group}/${resource}`) ?? {};
}

const nameValidators: Record<string, NameValidator> = {
  '/namespaces': nameIsDNSLabel,
  '/services': nameIsDNS1035Label,
};

/** Which rule a resource's object names follow (DNS-1123 subdomain unless upstream says otherwise). */
export function nameValidatorFor(group: string, resource: string): NameValidator {
  return nameValidators[`${group}/${resource}`] ?? nameIsDNSSubdomain;
}

export interface MetaValidationOptions {
  namespaced: boolean;
  /** Picks the resource's name rule when nameValidator is not given. */
  resource?: string;
  group?: string;
  nameValidator?: NameValidator;
}

/** Generic ObjectMeta validation (name, generateName, namespace, labels, annotations, finalizers). */
export function validateObjectMeta(obj: KubeObject, opts: MetaValidationOptions): FieldError[] {
  const nameValidator = opts.nameValidator ?? (opts.resource ? nameValidatorFor(opts.group ?? '', opts.resource) : undefined);
  return validateMeta(obj, { namespaced: opts.namespaced, nameValidator });
}
