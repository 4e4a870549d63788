// The lease strategy: positive durations, and the table (HOLDER).
import type { Lease, LeaseSpec } from '../../../api/core/index.ts';
import { field, type FieldError } from '../../../api/validation/field.ts';
import type { Strategy } from '../strategy.ts';
import { age, ageColumn, nameColumn } from './common.ts';

function validateLease(lease: Lease): FieldError[] {
  const errs: FieldError[] = [];
  const spec: LeaseSpec = lease.spec ?? {};
  if (spec.leaseDurationSeconds !== undefined && spec.leaseDurationSeconds !== null && !(spec.leaseDurationSeconds > 0)) {
    errs.push(field.invalid('spec.leaseDurationSeconds', spec.leaseDurationSeconds, 'must be greater than 0'));
  }
  if (spec.leaseTransitions !== undefined && spec.leaseTransitions !== null && spec.leaseTransitions < 0) {
    errs.push(field.invalid('spec.leaseTransitions', spec.leaseTransitions, 'must be greater than or equal to 0'));
  }
  return errs;
}

export const leaseStrategy: Strategy<Lease> = {
  validate: validateLease,
  validateUpdate: validateLease,
  table: {
    columns: [nameColumn, { name: 'Holder', type: 'string', description: 'holderIdentity contains the identity of the holder of a current lease.' }, ageColumn],
    cells: (lease, now) => [lease.metadata.name, lease.spec?.holderIdentity ?? '', age(lease, now)],
  },
  bumpsGeneration: () => false,
};
