// metav1.LabelSelector validation, as upstream's ValidateLabelSelector: matchLabels as labels,
// each matchExpressions entry with a known operator, a qualified key and fitting values.
import type { MetaLabelSelector } from '../selectors/labels.ts';
import { field, type FieldError } from './field.ts';
import { validateLabels } from './meta.ts';
import { isQualifiedName, isValidLabelValue } from './names.ts';

export function validateLabelSelector(selector: MetaLabelSelector | null | undefined, path: string): FieldError[] {
  if (selector === null || selector === undefined) return [];
  const errs = validateLabels(selector.matchLabels, `${path}.matchLabels`);
  (selector.matchExpressions ?? []).forEach((expr, i) => {
    const p = `${path}.matchExpressions[${i}]`;
    const values = expr?.values ?? [];
    switch (expr?.operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0) errs.push(field.required(`${p}.values`, "must be specified when `operator` is 'In' or 'NotIn'"));
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (values.length > 0) errs.push(field.forbidden(`${p}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
        break;
      default:
        errs.push(field.invalid(`${p}.operator`, expr?.operator ?? '', 'not a valid selector operator'));
    }
    for (const m of isQualifiedName(String(expr?.key ?? ''))) errs.push(field.invalid(`${p}.key`, expr?.key ?? '', m));
    values.forEach((v, j) => {
      for (const m of isValidLabelValue(String(v))) errs.push(field.invalid(`${p}.values[${j}]`, v, m));
    });
  });
  return errs;
}
