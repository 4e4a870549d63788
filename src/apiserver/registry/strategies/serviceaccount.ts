// The service account strategy: referenced secrets validated, and the table.
import type { ServiceAccount } from '../../../api/core/index.ts';
import { field, type FieldError } from '../../../api/validation/field.ts';
import type { Strategy } from '../strategy.ts';
import { age, ageColumn, nameColumn } from './common.ts';

function validateServiceAccount(sa: ServiceAccount): FieldError[] {
  const errs: FieldError[] = [];
  (sa.imagePullSecrets ?? []).forEach((s, i) => {
    if (!s?.name) errs.push(field.required(`imagePullSecrets[${i}].name`, ''));
  });
  return errs;
}

export const serviceAccountStrategy: Strategy<ServiceAccount> = {
  validate: validateServiceAccount,
  validateUpdate: validateServiceAccount,
  table: {
    columns: [nameColumn, { name: 'Secrets', type: 'string', description: 'Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.' }, ageColumn],
    cells: (sa, now) => [sa.metadata.name, (sa.secrets ?? []).length, age(sa, now)],
  },
  bumpsGeneration: () => false,
};
