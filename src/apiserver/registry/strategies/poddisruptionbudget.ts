// The PodDisruptionBudget strategy (policy/v1, upstream's poddisruptionbudget strategy and
// ValidatePodDisruptionBudgetSpec): a fresh status and generation 1 on create, status kept and
// generation bumped on a spec change, and the table kubectl prints.
import type { IntOrString, PodDisruptionBudget, PodDisruptionBudgetSpec, PodDisruptionBudgetStatus } from '../../../api/core/index.ts';
import { validatePositiveIntOrPercent } from '../../../api/policy/intstr.ts';
import { field, type FieldError } from '../../../api/validation/field.ts';
import { validateEnum, validateNonNegative } from '../../../api/validation/generic.ts';
import { validateLabelSelector } from '../../../api/validation/selector.ts';
import type { Strategy } from '../strategy.ts';
import { age, ageColumn, keepAllButStatus, keepStatus, nameColumn, semanticEqual } from './common.ts';

const unhealthyPodEvictionPolicies = ['AlwaysAllow', 'IfHealthyBudget'];

const present = (v: unknown) => v !== undefined && v !== null;

export function validatePodDisruptionBudgetSpec(spec: PodDisruptionBudgetSpec | undefined): FieldError[] {
  const s = spec ?? {};
  const errs: FieldError[] = [];
  if (present(s.minAvailable) && present(s.maxUnavailable)) {
    errs.push(field.invalid('spec', { minAvailable: s.minAvailable, maxUnavailable: s.maxUnavailable }, 'minAvailable and maxUnavailable cannot be both set'));
  }
  if (present(s.minAvailable)) errs.push(...validatePositiveIntOrPercent(s.minAvailable, 'spec.minAvailable'));
  if (present(s.maxUnavailable)) errs.push(...validatePositiveIntOrPercent(s.maxUnavailable, 'spec.maxUnavailable'));
  errs.push(...validateLabelSelector(s.selector, 'spec.selector'));
  errs.push(...validateEnum(s.unhealthyPodEvictionPolicy, 'spec.unhealthyPodEvictionPolicy', unhealthyPodEvictionPolicies, false));
  return errs;
}

function validatePodDisruptionBudget(pdb: PodDisruptionBudget): FieldError[] {
  return validatePodDisruptionBudgetSpec(pdb.spec);
}

/** ValidatePodDisruptionBudgetStatusUpdate: the counts never go negative. */
export function validatePodDisruptionBudgetStatus(pdb: PodDisruptionBudget): FieldError[] {
  const s: Partial<PodDisruptionBudgetStatus> = pdb.status ?? {};
  return (['disruptionsAllowed', 'currentHealthy', 'desiredHealthy', 'expectedPods'] as const).flatMap((k) => validateNonNegative(s[k], `status.${k}`));
}

/** The zero status upstream's PrepareForCreate leaves (its integers are not omitempty). */
export const emptyPdbStatus = (): PodDisruptionBudgetStatus => ({ disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 });

const intOrPercentText = (v: IntOrString | undefined) => (present(v) ? String(v) : 'N/A');

export const podDisruptionBudgetStrategy: Strategy<PodDisruptionBudget> = {
  prepareForCreate(pdb) {
    pdb.status = emptyPdbStatus();
    pdb.metadata.generation = 1;
  },
  validate: validatePodDisruptionBudget,
  prepareForUpdate: keepStatus,
  validateUpdate: validatePodDisruptionBudget,
  prepareForStatusUpdate: (pdb, old) => keepAllButStatus(pdb, old),
  validateStatusUpdate: validatePodDisruptionBudgetStatus,
  bumpsGeneration: (pdb, old) => !semanticEqual(pdb.spec, old.spec),
  table: {
    columns: [
      nameColumn,
      { name: 'Min Available', type: 'string', description: 'The minimum number of pods that must be available.' },
      { name: 'Max Unavailable', type: 'string', description: 'The maximum number of pods that may be unavailable.' },
      { name: 'Allowed Disruptions', type: 'integer', description: 'Calculated number of pods that may be disrupted at this time.' },
      ageColumn,
    ],
    cells: (pdb, now) => [
      pdb.metadata.name,
      intOrPercentText(pdb.spec?.minAvailable),
      intOrPercentText(pdb.spec?.maxUnavailable),
      pdb.status?.disruptionsAllowed ?? 0,
      age(pdb, now),
    ],
  },
};
