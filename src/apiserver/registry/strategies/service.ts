// The service strategy: defaults, port and type validation, immutable cluster IP, and the
// `kubectl get services` table. Address and node-port allocation live in service_alloc.ts.
import type { Service, ServicePort, ServiceSpec } from '../../../api/core/index.ts';
import { field, type FieldError } from '../../../api/validation/field.ts';
import { validateLabels } from '../../../api/validation/meta.ts';
import { isDNS1123Label, isDNS1123Subdomain, isValidIP, isValidPortNum } from '../../../api/validation/names.ts';
import { selectableFields, type Strategy } from '../strategy.ts';
import { age, ageColumn, formatLabels, keepAllButStatus, keepStatus, nameColumn } from './common.ts';
import { validateEnum, validatePortNumOrName } from '../../../api/validation/generic.ts';

const usesNodePorts = (type: string | undefined) => type === 'NodePort' || type === 'LoadBalancer';

export function applyServiceDefaults(svc: Service): void {
  const spec = (svc.spec ??= {});
  spec.type ??= 'ClusterIP';
  spec.sessionAffinity ??= 'None';
  if (spec.sessionAffinity === 'ClientIP') {
    spec.sessionAffinityConfig ??= {};
    spec.sessionAffinityConfig.clientIP ??= {};
    spec.sessionAffinityConfig.clientIP.timeoutSeconds ??= 10800;
  }
  for (const p of spec.ports ?? []) {
    if (!p) continue;
    p.protocol ??= 'TCP';
    if (p.targetPort === undefined || p.targetPort === 0 || p.targetPort === '') p.targetPort = p.port;
  }
  if (spec.clusterIP && !(spec.clusterIPs && spec.clusterIPs.length > 0)) spec.clusterIPs = [spec.clusterIP];
  else if (!spec.clusterIP && spec.clusterIPs && spec.clusterIPs.length > 0) spec.clusterIP = spec.clusterIPs[0];
  if (spec.type !== 'ExternalName') {
    spec.internalTrafficPolicy ??= 'Cluster';
    spec.ipFamilies ??= ['IPv4'];
    spec.ipFamilyPolicy ??= 'SingleStack';
  }
  if (usesNodePorts(spec.type)) spec.externalTrafficPolicy ??= 'Cluster';
  if (spec.type === 'LoadBalancer') spec.allocateLoadBalancerNodePorts ??= true;
}

function validatePorts(spec: ServiceSpec): FieldError[] {
  const errs: FieldError[] = [];
  const ports: ServicePort[] = Array.isArray(spec.ports) ? spec.ports : [];
  const headless = spec.clusterIP === 'None';
  if (ports.length === 0 && spec.type !== 'ExternalName' && !headless) errs.push(field.required('spec.ports', ''));
  const names = new Set<string>();
  const keys = new Set<string>();
  const nodePorts = new Set<string>();
  ports.forEach((p, i) => {
    const ip = `spec.ports[${i}]`;
    if (!p || typeof p !== 'object') return void errs.push(field.invalid(ip, p, 'must be an object'));
    if (ports.length > 1 && !p.name) errs.push(field.required(`${ip}.name`, ''));
    if (p.name) {
      for (const m of isDNS1123Label(p.name)) errs.push(field.invalid(`${ip}.name`, p.name, m));
      if (names.has(p.name)) errs.push(field.duplicate(`${ip}.name`, p.name));
      names.add(p.name);
    }
    for (const m of isValidPortNum(p.port)) errs.push(field.invalid(`${ip}.port`, p.port ?? 0, m));
    errs.push(...validateEnum(p.protocol, `${ip}.protocol`, ['SCTP', 'TCP', 'UDP']));
    if (p.targetPort !== undefined) errs.push(...validatePortNumOrName(p.targetPort, `${ip}.targetPort`));
    if (p.nodePort) {
      if (!usesNodePorts(spec.type)) errs.push(field.forbidden(`${ip}.nodePort`, `may not be used when \`type\` is '${spec.type}'`));
      for (const m of isValidPortNum(p.nodePort)) errs.push(field.invalid(`${ip}.nodePort`, p.nodePort, m));
      const nk = `${p.nodePort}/${p.protocol}`;
      if (nodePorts.has(nk)) errs.push(field.duplicate(`${ip}.nodePort`, p.nodePort));
      nodePorts.add(nk);
    }
    const key = `${p.port}/${p.protocol}`;
    if (keys.has(key)) errs.push(field.duplicate(ip, key));
    keys.add(key);
  });
  return errs;
}

export function validateService(svc: Service): FieldError[] {
  const spec = svc.spec;
  if (!spec || typeof spec !== 'object') return [field.required('spec', '')];
  const errs = validateEnum(spec.type, 'spec.type', ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort']);
  errs.push(...validatePorts(spec));
  errs.push(...validateEnum(spec.sessionAffinity, 'spec.sessionAffinity', ['ClientIP', 'None']));
  const timeout = spec.sessionAffinityConfig?.clientIP?.timeoutSeconds;
  if (spec.sessionAffinity === 'ClientIP' && timeout !== undefined && !(timeout > 0 && timeout <= 86400)) {
    errs.push(field.invalid('spec.sessionAffinityConfig.clientIP.timeoutSeconds', timeout, 'must be greater than 0 and less than 86400'));
  }
  if (spec.type === 'ExternalName') {
    if (!spec.externalName) errs.push(field.required('spec.externalName', ''));
    else for (const m of isDNS1123Subdomain(spec.externalName.replace(/\.$/, ''))) errs.push(field.invalid('spec.externalName', spec.externalName, m));
    if (spec.clusterIP) errs.push(field.forbidden('spec.clusterIP', 'may not be set for ExternalName services'));
  } else if (spec.clusterIP && spec.clusterIP !== 'None') {
    for (const m of isValidIP(spec.clusterIP)) errs.push(field.invalid('spec.clusterIPs[0]', spec.clusterIP, m));
  }
  if (spec.clusterIPs && spec.clusterIPs.length > 0 && spec.clusterIPs[0] !== spec.clusterIP) {
    errs.push(field.invalid('spec.clusterIPs[0]', spec.clusterIPs[0], 'must be equal to clusterIP'));
  }
  errs.push(...validateLabels(spec.selector, 'spec.selector'));
  (spec.externalIPs ?? []).forEach((ip, i) => {
    for (const m of isValidIP(ip)) errs.push(field.invalid(`spec.externalIPs[${i}]`, ip, m));
  });
  if (spec.externalTrafficPolicy !== undefined) {
    if (!usesNodePorts(spec.type)) {
      errs.push(field.invalid('spec.externalTrafficPolicy', spec.externalTrafficPolicy, "may only be set when `type` is 'NodePort' or 'LoadBalancer'"));
    } else errs.push(...validateEnum(spec.externalTrafficPolicy, 'spec.externalTrafficPolicy', ['Cluster', 'Local']));
  }
  errs.push(...validateEnum(spec.internalTrafficPolicy, 'spec.internalTrafficPolicy', ['Cluster', 'Local'], false));
  errs.push(...validateEnum(spec.ipFamilyPolicy, 'spec.ipFamilyPolicy', ['SingleStack', 'PreferDualStack', 'RequireDualStack'], false));
  return errs;
}

export function validateServiceUpdate(svc: Service, old: Service): FieldError[] {
  const errs = validateService(svc);
  const before = old.spec?.clusterIP;
  if (before && svc.spec?.type !== 'ExternalName' && svc.spec?.clusterIP !== before) {
    errs.push(field.invalid('spec.clusterIPs[0]', svc.spec?.clusterIPs ?? [], 'may not change once set'));
  }
  return errs;
}

/** An update that leaves out allocated values (as `kubectl apply` does) keeps the old ones. */
export function keepAllocatedValues(svc: Service, old: Service): void {
  const spec = (svc.spec ??= {});
  const oldSpec: ServiceSpec = old.spec ?? {};
  if (spec.type !== 'ExternalName' && !spec.clusterIP && !(spec.clusterIPs && spec.clusterIPs.length > 0) && oldSpec.clusterIP) {
    spec.clusterIP = oldSpec.clusterIP;
    spec.clusterIPs = structuredClone(oldSpec.clusterIPs ?? [oldSpec.clusterIP]);
  }
  if (usesNodePorts(spec.type ?? 'ClusterIP')) {
    for (const p of spec.ports ?? []) {
      if (!p || p.nodePort) continue;
      const match = (oldSpec.ports ?? []).find((o) => o?.port === p.port && (o?.protocol ?? 'TCP') === (p.protocol ?? 'TCP'));
      if (match?.nodePort) p.nodePort = match.nodePort;
    }
    if (!spec.healthCheckNodePort && oldSpec.healthCheckNodePort) spec.healthCheckNodePort = oldSpec.healthCheckNodePort;
  } else if (usesNodePorts(oldSpec.type ?? '')) {
    // Leaving NodePort/LoadBalancer drops what only those types use, unless the user changed it.
    if (spec.externalTrafficPolicy === oldSpec.externalTrafficPolicy) delete spec.externalTrafficPolicy;
    for (const p of spec.ports ?? []) {
      const match = (oldSpec.ports ?? []).find((o) => o?.port === p?.port);
      if (p && match && p.nodePort === match.nodePort) delete p.nodePort;
    }
  }
}

/** Upstream's makePortString: "80/TCP", "80:30080/TCP", comma separated. */
export function servicePortsText(ports: ServicePort[] | undefined): string {
  const parts = (ports ?? []).map((p) => (p?.nodePort ? `${p.port}:${p.nodePort}/${p.protocol ?? 'TCP'}` : `${p?.port}/${p?.protocol ?? 'TCP'}`));
  return parts.length > 0 ? parts.join(',') : '<none>';
}

function loadBalancerText(svc: Service, wide: boolean): string {
  const ingress = svc.status?.loadBalancer?.ingress ?? [];
  let s = ingress.map((i) => i?.ip || i?.hostname).filter(Boolean).join(',');
  if (!wide && s.length > 16) s = `${s.slice(0, 13)}...`;
  return s;
}

export function serviceExternalIPText(svc: Service, wide = true): string {
  const spec: ServiceSpec = svc.spec ?? {};
  const external = spec.externalIPs ?? [];
  switch (spec.type) {
    case 'ClusterIP':
    case 'NodePort':
      return external.length > 0 ? external.join(',') : '<none>';
    case 'LoadBalancer': {
      const lb = loadBalancerText(svc, wide);
      if (external.length > 0) return [...(lb ? lb.split(',') : []), ...external].join(',');
      return lb || '<pending>';
    }
    case 'ExternalName':
      return spec.externalName ?? '';
  }
  return '<unknown>';
}

export const serviceStrategy: Strategy<Service> = {
  prepareForCreate(svc) {
    applyServiceDefaults(svc);
    svc.status = { loadBalancer: {} };
  },
  validate: validateService,
  prepareForUpdate(svc, old) {
    keepAllocatedValues(svc, old);
    applyServiceDefaults(svc);
    keepStatus(svc, old);
  },
  validateUpdate: validateServiceUpdate,
  prepareForStatusUpdate: (svc, old) => keepAllButStatus(svc, old),
  validateStatusUpdate: () => [],
  ...selectableFields<Service>({ 'spec.clusterIP': (svc) => svc.spec?.clusterIP ?? '', 'spec.type': (svc) => svc.spec?.type ?? '' }),
  table: {
    columns: [
      nameColumn,
      { name: 'Type', type: 'string', description: 'type determines how the Service is exposed.' },
      { name: 'Cluster-IP', type: 'string', description: 'clusterIP is the IP address of the service and is usually assigned randomly.' },
      { name: 'External-IP', type: 'string', description: 'externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.' },
      { name: 'Port(s)', type: 'string', description: 'The list of ports that are exposed by this service.' },
      ageColumn,
      { name: 'Selector', type: 'string', priority: 1, description: 'Route service traffic to pods with label keys and values matching this selector.' },
    ],
    cells: (svc, now) => [
      svc.metadata.name,
      svc.spec?.type ?? '',
      svc.spec?.clusterIPs?.[0] ?? '<none>',
      serviceExternalIPText(svc, true),
      servicePortsText(svc.spec?.ports),
      age(svc, now),
      formatLabels(svc.spec?.selector),
    ],
  },
  bumpsGeneration: () => false,
};
