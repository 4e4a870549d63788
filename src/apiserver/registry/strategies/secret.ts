// The secret strategy: type Opaque by default, stringData folded into base64 data,
// valid keys, type-specific required keys, immutability, and the table.
import type { Secret } from '../../../api/core/index.ts';
import { field, type FieldError } from '../../../api/validation/field.ts';
import { isConfigMapKey } from '../../../api/validation/names.ts';
import { selectableFields, type Strategy } from '../strategy.ts';
import { age, ageColumn, nameColumn, semanticEqual } from './common.ts';

/** Upstream's limit on the total size of a secret's or config map's data. */
export const maxDataSize = 1024 * 1024;

export function isBase64(value: string): boolean {
  return /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(value);
}

/** stringData is write-only: merged over data (base64-encoded), then dropped. */
export function foldStringData(secret: Secret): void {
  const sd = secret.stringData;
  if (sd && typeof sd === 'object') {
    const data = { ...(secret.data ?? {}) };
    for (const [k, v] of Object.entries(sd)) data[k] = Buffer.from(String(v), 'utf8').toString('base64');
    secret.data = data;
  }
  delete secret.stringData;
}

const requiredKeys: Record<string, string[]> = {
  'kubernetes.io/dockercfg': ['.dockercfg'],
  'kubernetes.io/dockerconfigjson': ['.dockerconfigjson'],
  'kubernetes.io/ssh-auth': ['ssh-privatekey'],
  'kubernetes.io/tls': ['tls.crt', 'tls.key'],
};

export function validateSecret(secret: Secret): FieldError[] {
  const errs: FieldError[] = [];
  const data: Record<string, unknown> = secret.data ?? {};
  let total = 0;
  for (const [k, v] of Object.entries(data)) {
    for (const m of isConfigMapKey(k)) errs.push(field.invalid(`data[${k}]`, k, m));
    if (typeof v !== 'string' || !isBase64(v)) {
      errs.push(field.invalid(`data[${k}]`, '<value omitted>', 'illegal base64 data: values of data must be base64 encoded'));
      continue;
    }
    total += Buffer.from(v, 'base64').length;
  }
  if (total > maxDataSize) errs.push(field.tooLong('data', undefined, maxDataSize));
  const type = secret.type ?? 'Opaque';
  for (const key of requiredKeys[type] ?? []) if (!(key in data)) errs.push(field.required(`data[${key}]`, ''));
  if (type === 'kubernetes.io/service-account-token' && !secret.metadata.annotations?.['kubernetes.io/service-account.name']) {
    errs.push(field.required('metadata.annotations[kubernetes.io/service-account.name]', ''));
  }
  if (type === 'kubernetes.io/basic-auth' && !('username' in data) && !('password' in data)) {
    errs.push(field.required('data[username]', ''), field.required('data[password]', ''));
  }
  return errs;
}

export function validateSecretUpdate(secret: Secret, old: Secret): FieldError[] {
  const errs = validateSecret(secret);
  if ((secret.type ?? 'Opaque') !== (old.type ?? 'Opaque')) errs.push(field.invalid('type', secret.type ?? '', 'field is immutable'));
  if (old.immutable === true) {
    if (secret.immutable !== true) errs.push(field.forbidden('immutable', 'field is immutable when `immutable` is set'));
    if (!semanticEqual(secret.data, old.data)) errs.push(field.forbidden('data', 'field is immutable when `immutable` is set'));
  }
  return errs;
}

export const secretStrategy: Strategy<Secret> = {
  prepareForCreate(secret) {
    secret.type ??= 'Opaque';
    foldStringData(secret);
  },
  validate: validateSecret,
  prepareForUpdate(secret) {
    secret.type ??= 'Opaque';
    foldStringData(secret);
  },
  validateUpdate: validateSecretUpdate,
  ...selectableFields<Secret>({ type: (secret) => secret.type ?? '' }),
  table: {
    columns: [
      nameColumn,
      { name: 'Type', type: 'string', description: 'Used to facilitate programmatic handling of secret data.' },
      { name: 'Data', type: 'string', description: 'Data contains the secret data.' },
      ageColumn,
    ],
    cells: (secret, now) => [secret.metadata.name, secret.type ?? '', Object.keys(secret.data ?? {}).length, age(secret, now)],
  },
  bumpsGeneration: () => false,
};
