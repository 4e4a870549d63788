// Validation of one container of a pod (as upstream's validateContainers and helpers):
// names, image, ports, env, mounts, resources, probes and lifecycle handlers.
import { formatQuantity, compareQuantities, parseQuantity, QuantityError, type Quantity } from '../../../api/quantity.ts';
import { field, type FieldError } from '../../../api/validation/field.ts';
import { isConfigMapKey, isDNS1123Label, isEnvVarName, isQualifiedName, isValidPortName, isValidPortNum } from '../../../api/validation/names.ts';

export type ContainerKind = 'container' | 'init' | 'ephemeral';

const nonNegative = 'must be greater than or equal to 0';

export function validateNonNegative(value: unknown, path: string): FieldError[] {
  if (value === undefined || value === null) return [];
  if (typeof value !== 'number' || !Number.isInteger(value)) return [field.invalid(path, value, 'must be an integer')];
  return value < 0 ? [field.invalid(path, value, nonNegative)] : [];
}

export function validateEnum(value: unknown, path: string, supported: string[], required = true): FieldError[] {
  if (value === undefined || value === null || value === '') return required ? [field.required(path, '')] : [];
  return supported.includes(value as string) ? [] : [field.notSupported(path, value, supported)];
}

/** An int-or-string port: a number in 1-65535 or an IANA service name. */
export function validatePortNumOrName(port: unknown, path: string): FieldError[] {
  if (typeof port === 'number') return isValidPortNum(port).map((m) => field.invalid(path, port, m));
  if (typeof port === 'string' && port !== '') return isValidPortName(port).map((m) => field.invalid(path, port, m));
  return [field.required(path, '')];
}

function validatePorts(ports: any[], path: string, hostNetwork: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  ports.forEach((p, i) => {
    const ip = `${path}[${i}]`;
    if (!p || typeof p !== 'object') return void errs.push(field.invalid(ip, p, 'must be an object'));
    if (p.name) {
      for (const m of isValidPortName(p.name)) errs.push(field.invalid(`${ip}.name`, p.name, m));
      if (names.has(p.name)) errs.push(field.duplicate(`${ip}.name`, p.name));
      names.add(p.name);
    }
    if (!p.containerPort) errs.push(field.required(`${ip}.containerPort`, ''));
    else for (const m of isValidPortNum(p.containerPort)) errs.push(field.invalid(`${ip}.containerPort`, p.containerPort, m));
    if (p.hostPort) for (const m of isValidPortNum(p.hostPort)) errs.push(field.invalid(`${ip}.hostPort`, p.hostPort, m));
    errs.push(...validateEnum(p.protocol, `${ip}.protocol`, ['TCP', 'UDP', 'SCTP']));
    if (hostNetwork && p.hostPort && p.containerPort && p.hostPort !== p.containerPort) {
      errs.push(field.invalid(`${ip}.containerPort`, p.containerPort, 'must match `hostPort` when `hostNetwork` is true'));
    }
  });
  return errs;
}

function validateEnv(env: any[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  env.forEach((e, i) => {
    const ip = `${path}[${i}]`;
    if (!e?.name) errs.push(field.required(`${ip}.name`, ''));
    else for (const m of isEnvVarName(e.name)) errs.push(field.invalid(`${ip}.name`, e.name, m));
    const vf = e?.valueFrom;
    if (!vf) return;
    const sources = ['fieldRef', 'resourceFieldRef', 'configMapKeyRef', 'secretKeyRef'].filter((k) => vf[k]);
    if (sources.length === 0) {
      errs.push(field.invalid(`${ip}.valueFrom`, '', 'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`'));
    } else if (sources.length > 1) {
      errs.push(field.invalid(`${ip}.valueFrom`, '', 'may not have more than one field specified at a time'));
    }
    if (e.value) errs.push(field.invalid(`${ip}.valueFrom`, '', 'may not be specified when `value` is not empty'));
    if (vf.fieldRef && !vf.fieldRef.fieldPath) errs.push(field.required(`${ip}.valueFrom.fieldRef.fieldPath`, ''));
    if (vf.resourceFieldRef && !vf.resourceFieldRef.resource) errs.push(field.required(`${ip}.valueFrom.resourceFieldRef.resource`, ''));
    for (const ref of ['configMapKeyRef', 'secretKeyRef'] as const) {
      const r = vf[ref];
      if (!r) continue;
      if (!r.name) errs.push(field.required(`${ip}.valueFrom.${ref}.name`, ''));
      if (!r.key) errs.push(field.required(`${ip}.valueFrom.${ref}.key`, ''));
      else for (const m of isConfigMapKey(r.key)) errs.push(field.invalid(`${ip}.valueFrom.${ref}.key`, r.key, m));
    }
  });
  return errs;
}

function validateEnvFrom(envFrom: any[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  envFrom.forEach((e, i) => {
    const ip = `${path}[${i}]`;
    if (e?.prefix) for (const m of isEnvVarName(e.prefix)) errs.push(field.invalid(`${ip}.prefix`, e.prefix, m));
    const refs = ['configMapRef', 'secretRef'].filter((k) => e?.[k]);
    if (refs.length === 0) errs.push(field.invalid(ip, '', 'must specify one of: `configMapRef` or `secretRef`'));
    else if (refs.length > 1) errs.push(field.invalid(ip, '', 'may not have more than one field specified at a time'));
    for (const r of refs) if (!e[r].name) errs.push(field.required(`${ip}.${r}.name`, ''));
  });
  return errs;
}

function validateMounts(mounts: any[], path: string, volumes: Set<string>): FieldError[] {
  const errs: FieldError[] = [];
  const paths = new Set<string>();
  mounts.forEach((m, i) => {
    const ip = `${path}[${i}]`;
    if (!m?.name) errs.push(field.required(`${ip}.name`, ''));
    else if (!volumes.has(m.name)) errs.push(field.notFound(`${ip}.name`, m.name));
    if (!m?.mountPath) errs.push(field.required(`${ip}.mountPath`, ''));
    else {
      if (paths.has(m.mountPath)) errs.push(field.invalid(`${ip}.mountPath`, m.mountPath, 'must be unique'));
      paths.add(m.mountPath);
    }
    if (m?.subPath) {
      if (m.subPath.startsWith('/')) errs.push(field.invalid(`${ip}.subPath`, m.subPath, 'must be a relative path'));
      if (m.subPath.split('/').includes('..')) errs.push(field.invalid(`${ip}.subPath`, m.subPath, "must not contain '..'"));
    }
  });
  return errs;
}

const standardContainerResources = new Set(['cpu', 'memory', 'ephemeral-storage']);
const overcommitAllowed = (name: string) => standardContainerResources.has(name);

function validateResourceMap(map: unknown, path: string, out: Map<string, Quantity>): FieldError[] {
  const errs: FieldError[] = [];
  if (map === undefined || map === null) return errs;
  if (typeof map !== 'object') return [field.invalid(path, map, 'must be an object')];
  for (const [name, value] of Object.entries(map as Record<string, unknown>)) {
    const kp = `${path}[${name}]`;
    if (!name.includes('/') && !standardContainerResources.has(name) && !name.startsWith('hugepages-')) {
      errs.push(field.invalid(kp, name, 'must be a standard resource for containers'));
    } else if (name.includes('/')) {
      for (const m of isQualifiedName(name)) errs.push(field.invalid(kp, name, m));
    }
    let q: Quantity;
    try {
      q = parseQuantity(value as string);
    } catch (e) {
      errs.push(field.invalid(kp, value, e instanceof QuantityError ? e.reason : String(e)));
      continue;
    }
    if (q.nanos < 0n) errs.push(field.invalid(kp, formatQuantity(q), nonNegative));
    out.set(name, q);
  }
  return errs;
}

export function validateResources(res: any, path: string): FieldError[] {
  if (!res) return [];
  const limits = new Map<string, Quantity>();
  const requests = new Map<string, Quantity>();
  const errs = [...validateResourceMap(res.limits, `${path}.limits`, limits), ...validateResourceMap(res.requests, `${path}.requests`, requests)];
  for (const [name, req] of requests) {
    const lim = limits.get(name);
    if (!lim) continue;
    if (!overcommitAllowed(name) && compareQuantities(req, lim) !== 0) {
      errs.push(field.invalid(`${path}.requests`, formatQuantity(req), `must be equal to ${name} limit of ${formatQuantity(lim)}`));
    } else if (compareQuantities(req, lim) > 0) {
      errs.push(field.invalid(`${path}.requests`, formatQuantity(req), `must be less than or equal to ${name} limit of ${formatQuantity(lim)}`));
    }
  }
  return errs;
}

const handlerKinds = ['exec', 'httpGet', 'tcpSocket', 'grpc', 'sleep'];

function validateHandler(h: any, path: string, allowed: string[]): FieldError[] {
  const present = handlerKinds.filter((k) => h?.[k]);
  const errs: FieldError[] = [];
  if (present.length === 0) return [field.required(path, 'must specify a handler type')];
  for (const extra of present.slice(1)) errs.push(field.forbidden(`${path}.${extra}`, 'may not specify more than 1 handler type'));
  for (const k of present) {
    const p = `${path}.${k}`;
    const v = h[k];
    if (!allowed.includes(k)) errs.push(field.forbidden(p, 'may not be set for this handler'));
    if (k === 'exec' && !(Array.isArray(v.command) && v.command.length > 0)) errs.push(field.required(`${p}.command`, ''));
    if (k === 'httpGet') {
      if (!v.path) errs.push(field.required(`${p}.path`, ''));
      errs.push(...validatePortNumOrName(v.port, `${p}.port`));
      errs.push(...validateEnum(v.scheme, `${p}.scheme`, ['HTTP', 'HTTPS'], false));
      (v.httpHeaders ?? []).forEach((hdr: any, i: number) => {
        if (!hdr?.name || !/^[-!#$%&'*+.^_`|~0-9A-Za-z]+$/.test(hdr.name)) {
          errs.push(field.invalid(`${p}.httpHeaders[${i}].name`, hdr?.name ?? '', 'a valid HTTP header must consist of alphanumeric characters or \'-\''));
        }
      });
    }
    if (k === 'tcpSocket') errs.push(...validatePortNumOrName(v.port, `${p}.port`));
    if (k === 'grpc') {
      const port = v.port;
      if (typeof port !== 'number') errs.push(field.required(`${p}.port`, ''));
      else for (const m of isValidPortNum(port)) errs.push(field.invalid(`${p}.port`, port, m));
    }
    if (k === 'sleep') errs.push(...validateNonNegative(v.seconds, `${p}.seconds`));
  }
  return errs;
}

export function validateProbe(probe: any, path: string, kind: 'liveness' | 'readiness' | 'startup'): FieldError[] {
  if (!probe) return [];
  const errs = validateHandler(probe, path, ['exec', 'httpGet', 'tcpSocket', 'grpc']);
  for (const f of ['initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold']) {
    errs.push(...validateNonNegative(probe[f], `${path}.${f}`));
  }
  if (kind !== 'readiness' && probe.successThreshold !== undefined && probe.successThreshold !== 1) {
    errs.push(field.invalid(`${path}.successThreshold`, probe.successThreshold, 'must be 1'));
  }
  const tgp = probe.terminationGracePeriodSeconds;
  if (tgp !== undefined && tgp !== null) {
    if (kind === 'readiness') errs.push(field.invalid(`${path}.terminationGracePeriodSeconds`, tgp, 'must not be set for readinessProbes'));
    else if (tgp <= 0) errs.push(field.invalid(`${path}.terminationGracePeriodSeconds`, tgp, 'must be greater than 0'));
  }
  return errs;
}

export interface ContainerContext {
  kind: ContainerKind;
  volumes: Set<string>;
  hostNetwork: boolean;
}

export function validateContainer(c: any, path: string, ctx: ContainerContext): FieldError[] {
  if (!c || typeof c !== 'object') return [field.invalid(path, c, 'must be an object')];
  const errs: FieldError[] = [];
  if (!c.name) errs.push(field.required(`${path}.name`, ''));
  else for (const m of isDNS1123Label(c.name)) errs.push(field.invalid(`${path}.name`, c.name, m));
  if (!c.image) errs.push(field.required(`${path}.image`, ''));
  else if (typeof c.image !== 'string' || c.image.trim() !== c.image) {
    errs.push(field.invalid(`${path}.image`, c.image, 'must not have leading or trailing whitespace'));
  }
  errs.push(...validateEnum(c.imagePullPolicy, `${path}.imagePullPolicy`, ['Always', 'IfNotPresent', 'Never']));
  errs.push(...validateEnum(c.terminationMessagePolicy, `${path}.terminationMessagePolicy`, ['File', 'FallbackToLogsOnError']));
  if (Array.isArray(c.ports)) errs.push(...validatePorts(c.ports, `${path}.ports`, ctx.hostNetwork));
  if (Array.isArray(c.env)) errs.push(...validateEnv(c.env, `${path}.env`));
  if (Array.isArray(c.envFrom)) errs.push(...validateEnvFrom(c.envFrom, `${path}.envFrom`));
  if (Array.isArray(c.volumeMounts)) errs.push(...validateMounts(c.volumeMounts, `${path}.volumeMounts`, ctx.volumes));
  errs.push(...validateResources(c.resources, `${path}.resources`));
  if (c.restartPolicy !== undefined) {
    if (ctx.kind !== 'init') errs.push(field.forbidden(`${path}.restartPolicy`, 'may not be set for non-init containers'));
    else errs.push(...validateEnum(c.restartPolicy, `${path}.restartPolicy`, ['Always']));
  }
  const sidecar = ctx.kind === 'init' && c.restartPolicy === 'Always';
  for (const [key, kind] of [['livenessProbe', 'liveness'], ['readinessProbe', 'readiness'], ['startupProbe', 'startup']] as const) {
    if (!c[key]) continue;
    if (ctx.kind === 'ephemeral') errs.push(field.forbidden(`${path}.${key}`, 'cannot be set for an Ephemeral Container'));
    else if (ctx.kind === 'init' && !sidecar) errs.push(field.forbidden(`${path}.${key}`, 'may not be set for init containers without restartPolicy=Always'));
    else errs.push(...validateProbe(c[key], `${path}.${key}`, kind));
  }
  for (const hook of ['postStart', 'preStop']) {
    if (c.lifecycle?.[hook]) errs.push(...validateHandler(c.lifecycle[hook], `${path}.lifecycle.${hook}`, ['exec', 'httpGet', 'tcpSocket', 'sleep']));
  }
  return errs;
}
