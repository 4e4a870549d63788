// The endpoints strategy: address and port validation, and the table (first three
// "ip:port" pairs, then "+ N more...").
import type { EndpointPort, Endpoints, EndpointSlicePort } from '../../../api/core/index.ts';
import { field, type FieldError } from '../../../api/validation/field.ts';
import { isDNS1123Label, isValidIP, isValidPortNum } from '../../../api/validation/names.ts';
import type { Strategy } from '../strategy.ts';
import { age, ageColumn, nameColumn } from './common.ts';
import { validateEnum } from '../../../api/validation/generic.ts';

export function validateEndpointPorts(ports: (EndpointPort | EndpointSlicePort)[], path: string, requireNames = ports.length > 1): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  ports.forEach((p, i) => {
    const ip = `${path}[${i}]`;
    if (requireNames && !p?.name) errs.push(field.required(`${ip}.name`, ''));
    if (p?.name) {
      for (const m of isDNS1123Label(p.name)) errs.push(field.invalid(`${ip}.name`, p.name, m));
      if (names.has(p.name)) errs.push(field.duplicate(`${ip}.name`, p.name));
      names.add(p.name);
    }
    if (p?.port !== undefined && p?.port !== null) for (const m of isValidPortNum(p.port)) errs.push(field.invalid(`${ip}.port`, p.port, m));
    errs.push(...validateEnum(p?.protocol, `${ip}.protocol`, ['SCTP', 'TCP', 'UDP'], false));
  });
  return errs;
}

function validateEndpoints(ep: Endpoints): FieldError[] {
  const errs: FieldError[] = [];
  (ep.subsets ?? []).forEach((ss, i) => {
    const p = `subsets[${i}]`;
    for (const key of ['addresses', 'notReadyAddresses'] as const) {
      (ss?.[key] ?? []).forEach((a, j) => {
        for (const m of isValidIP(a?.ip ?? '')) errs.push(field.invalid(`${p}.${key}[${j}].ip`, a?.ip ?? '', m));
      });
    }
    errs.push(...validateEndpointPorts(ss?.ports ?? [], `${p}.ports`));
  });
  return errs;
}

/** Upstream's formatEndpoints: up to three "ip:port" entries. */
export function endpointsText(ep: Endpoints): string {
  const subsets = ep.subsets ?? [];
  if (subsets.length === 0) return '<none>';
  const all: string[] = [];
  for (const ss of subsets) {
    const addrs = ss?.addresses ?? [];
    const ports = ss?.ports ?? [];
    if (ports.length === 0) for (const a of addrs) all.push(a.ip);
    else for (const p of ports) for (const a of addrs) all.push(a.ip.includes(':') ? `[${a.ip}]:${p.port}` : `${a.ip}:${p.port}`);
  }
  const shown = all.slice(0, 3).join(',');
  return all.length > 3 ? `${shown} + ${all.length - 3} more...` : shown;
}

export const endpointsStrategy: Strategy<Endpoints> = {
  validate: validateEndpoints,
  validateUpdate: validateEndpoints,
  table: {
    columns: [nameColumn, { name: 'Endpoints', type: 'string', description: 'Endpoints of the service' }, ageColumn],
    cells: (ep, now) => [ep.metadata.name, endpointsText(ep), age(ep, now)],
  },
  bumpsGeneration: () => false,
};
