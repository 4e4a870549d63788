// The config map strategy: valid keys, data and binaryData not overlapping, a size limit,
// immutability, and the table.
import type { ConfigMap } from '../../../api/core/index.ts';
import { field, type FieldError } from '../../../api/validation/field.ts';
import { isConfigMapKey } from '../../../api/validation/names.ts';
import type { Strategy } from '../strategy.ts';
import { age, ageColumn, nameColumn, semanticEqual } from './common.ts';
import { isBase64, maxDataSize } from './secret.ts';

export function validateConfigMap(cm: ConfigMap): FieldError[] {
  const errs: FieldError[] = [];
  let total = 0;
  // Values are client JSON: each is checked to be the string the type says.
  for (const [k, v] of Object.entries<unknown>(cm.data ?? {})) {
    for (const m of isConfigMapKey(k)) errs.push(field.invalid(`data[${k}]`, k, m));
    if (typeof v !== 'string') errs.push(field.invalid(`data[${k}]`, v, 'must be a string'));
    else total += Buffer.byteLength(v);
  }
  for (const [k, v] of Object.entries<unknown>(cm.binaryData ?? {})) {
    for (const m of isConfigMapKey(k)) errs.push(field.invalid(`binaryData[${k}]`, k, m));
    if (cm.data && k in cm.data) errs.push(field.invalid('binaryData', k, 'duplicate of key present in data'));
    if (typeof v !== 'string' || !isBase64(v)) errs.push(field.invalid(`binaryData[${k}]`, '<value omitted>', 'illegal base64 data: values of binaryData must be base64 encoded'));
    else total += Buffer.from(v, 'base64').length;
  }
  if (total > maxDataSize) errs.push(field.tooLong('', undefined, maxDataSize));
  return errs;
}

export function validateConfigMapUpdate(cm: ConfigMap, old: ConfigMap): FieldError[] {
  const errs = validateConfigMap(cm);
  if (old.immutable === true) {
    if (cm.immutable !== true) errs.push(field.forbidden('immutable', 'field is immutable when `immutable` is set'));
    if (!semanticEqual(cm.data, old.data)) errs.push(field.forbidden('data', 'field is immutable when `immutable` is set'));
    if (!semanticEqual(cm.binaryData, old.binaryData)) errs.push(field.forbidden('binaryData', 'field is immutable when `immutable` is set'));
  }
  return errs;
}

export const configMapStrategy: Strategy<ConfigMap> = {
  validate: validateConfigMap,
  validateUpdate: validateConfigMapUpdate,
  table: {
    columns: [nameColumn, { name: 'Data', type: 'string', description: 'Data contains the configuration data.' }, ageColumn],
    cells: (cm, now) => [cm.metadata.name, Object.keys(cm.data ?? {}).length + Object.keys(cm.binaryData ?? {}).length, age(cm, now)],
  },
  bumpsGeneration: () => false,
};
