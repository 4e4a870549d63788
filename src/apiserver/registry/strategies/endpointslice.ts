// The endpoint slice strategy: an immutable, required addressType, addresses that match it,
// ports, and the table.
import type { Endpoint, EndpointSlice, EndpointSlicePort } from '../../../api/core/index.ts';
import { field, type FieldError } from '../../../api/validation/field.ts';
import { isDNS1123Subdomain, isIPv4, isIPv6 } from '../../../api/validation/names.ts';
import type { Strategy } from '../strategy.ts';
import { age, ageColumn, listWithMore, nameColumn } from './common.ts';
import { validateEndpointPorts } from './endpoints.ts';
import { validateEnum } from '../../../api/validation/generic.ts';

const tooMany = (path: string, n: number, max: number): FieldError => ({ type: 'FieldValueTooMany', field: path, value: n, detail: `must have at most ${max} items` });

function validateAddress(type: string, address: string): string[] {
  if (type === 'IPv4') return isIPv4(address) ? [] : ['must be a valid IPv4 address'];
  if (type === 'IPv6') return isIPv6(address) ? [] : ['must be a valid IPv6 address'];
  if (type === 'FQDN') return isDNS1123Subdomain(address);
  return [];
}

export function validateEndpointSlice(slice: EndpointSlice): FieldError[] {
  const errs = validateEnum(slice.addressType, 'addressType', ['FQDN', 'IPv4', 'IPv6']);
  const endpoints = slice.endpoints ?? [];
  if (endpoints.length > 1000) errs.push(tooMany('endpoints', endpoints.length, 1000));
  endpoints.forEach((ep, i) => {
    const p = `endpoints[${i}].addresses`;
    const addrs = ep?.addresses ?? [];
    if (addrs.length === 0) errs.push(field.required(p, 'must contain at least 1 address'));
    else if (addrs.length > 100) errs.push(tooMany(p, addrs.length, 100));
    addrs.forEach((a, j) => {
      for (const m of validateAddress(slice.addressType, a)) errs.push(field.invalid(`${p}[${j}]`, a, m));
    });
  });
  const ports = slice.ports ?? [];
  if (ports.length > 100) errs.push(tooMany('ports', ports.length, 100));
  errs.push(...validateEndpointPorts(ports, 'ports', false));
  return errs;
}

export function validateEndpointSliceUpdate(slice: EndpointSlice, old: EndpointSlice): FieldError[] {
  const errs = validateEndpointSlice(slice);
  if (slice.addressType !== old.addressType) errs.push(field.invalid('addressType', slice.addressType ?? '', 'field is immutable'));
  return errs;
}

export function endpointSlicePortsText(ports: EndpointSlicePort[] | undefined): string {
  return listWithMore((ports ?? []).map((p) => (typeof p?.port === 'number' ? String(p.port) : p?.name ?? '*')), 3, '<unset>');
}

export function endpointSliceEndpointsText(endpoints: Endpoint[] | undefined): string {
  return listWithMore((endpoints ?? []).flatMap((e) => e?.addresses ?? []), 3, '<unset>');
}

export const endpointSliceStrategy: Strategy<EndpointSlice> = {
  validate: validateEndpointSlice,
  validateUpdate: validateEndpointSliceUpdate,
  table: {
    columns: [
      nameColumn,
      { name: 'AddressType', type: 'string', description: 'addressType specifies the type of address carried by this EndpointSlice.' },
      { name: 'Ports', type: 'string', description: 'ports specifies the list of network ports exposed by each endpoint in this slice.' },
      { name: 'Endpoints', type: 'string', description: 'endpoints is a list of unique endpoints in this slice.' },
      ageColumn,
    ],
    cells: (slice, now) => [slice.metadata.name, slice.addressType ?? '', endpointSlicePortsText(slice.ports), endpointSliceEndpointsText(slice.endpoints), age(slice, now)],
  },
  bumpsGeneration: () => false,
};
