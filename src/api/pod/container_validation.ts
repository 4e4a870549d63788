// Validation of one container of a pod (as upstream's validateContainers and helpers):
// names, image, ports, env, mounts, resources, probes and lifecycle handlers. The types say
// what a container claims to be; the checks still guard each value, since it is client JSON.
import type {
  Container,
  ContainerPort,
  EnvFromSource,
  EnvVar,
  ExecAction,
  GRPCAction,
  HTTPGetAction,
  Probe,
  ResourceList,
  ResourceRequirements,
  SleepAction,
  TCPSocketAction,
  VolumeMount,
} from '../core/index.ts';
import { formatQuantity, compareQuantities, parseQuantity, QuantityError, type Quantity } from '../quantity.ts';
import { field, type FieldError } from '../validation/field.ts';
import { validateEnum, validateNonNegative, validatePortNumOrName } from '../validation/generic.ts';
import { isConfigMapKey, isDNS1123Label, isEnvVarName, isQualifiedName, isValidPortName, isValidPortNum } from '../validation/names.ts';
import { isRestartableInitContainer } from './predicates.ts';

export type ContainerKind = 'container' | 'init' | 'ephemeral';

function validatePorts(ports: ContainerPort[], path: string, hostNetwork: boolean): FieldError[] {
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

const envSources = ['fieldRef', 'resourceFieldRef', 'configMapKeyRef', 'secretKeyRef'] as const;

function validateEnv(env: EnvVar[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  env.forEach((e, i) => {
    const ip = `${path}[${i}]`;
    if (!e?.name) errs.push(field.required(`${ip}.name`, ''));
    else for (const m of isEnvVarName(e.name)) errs.push(field.invalid(`${ip}.name`, e.name, m));
    const vf = e?.valueFrom;
    if (!vf) return;
    const sources = envSources.filter((k) => vf[k]);
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

function validateEnvFrom(envFrom: EnvFromSource[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  envFrom.forEach((e, i) => {
    const ip = `${path}[${i}]`;
    if (e?.prefix) for (const m of isEnvVarName(e.prefix)) errs.push(field.invalid(`${ip}.prefix`, e.prefix, m));
    const refs = (['configMapRef', 'secretRef'] as const).filter((k) => e?.[k]);
    if (refs.length === 0) errs.push(field.invalid(ip, '', 'must specify one of: `configMapRef` or `secretRef`'));
    else if (refs.length > 1) errs.push(field.invalid(ip, '', 'may not have more than one field specified at a time'));
    for (const r of refs) if (!e[r]?.name) errs.push(field.required(`${ip}.${r}.name`, ''));
  });
  return errs;
}

function validateMounts(mounts: VolumeMount[], path: string, volumes: ReadonlySet<string>): FieldError[] {
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

function validateResourceList(list: ResourceList | undefined, path: string, out: Map<string, Quantity>): FieldError[] {
  const errs: FieldError[] = [];
  if (list === undefined || list === null) return errs;
  if (typeof list !== 'object') return [field.invalid(path, list, 'must be an object')];
  for (const [name, value] of Object.entries(list)) {
    const kp = `${path}[${name}]`;
    if (!name.includes('/') && !standardContainerResources.has(name) && !name.startsWith('hugepages-')) {
      errs.push(field.invalid(kp, name, 'must be a standard resource for containers'));
    } else if (name.includes('/')) {
      for (const m of isQualifiedName(name)) errs.push(field.invalid(kp, name, m));
    }
    let q: Quantity;
    try {
      q = parseQuantity(value);
    } catch (e) {
      errs.push(field.invalid(kp, value, e instanceof QuantityError ? e.reason : String(e)));
      continue;
    }
    if (q.nanos < 0n) errs.push(field.invalid(kp, formatQuantity(q), 'must be greater than or equal to 0'));
    out.set(name, q);
  }
  return errs;
}

export function validateResources(res: ResourceRequirements | undefined, path: string): FieldError[] {
  if (!res) return [];
  const limits = new Map<string, Quantity>();
  const requests = new Map<string, Quantity>();
  const errs = [...validateResourceList(res.limits, `${path}.limits`, limits), ...validateResourceList(res.requests, `${path}.requests`, requests)];
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

/** What probes (exec, httpGet, tcpSocket, grpc) and lifecycle hooks (exec, httpGet, tcpSocket, sleep) may hold. */
interface Handler {
  exec?: ExecAction;
  httpGet?: HTTPGetAction;
  tcpSocket?: TCPSocketAction;
  grpc?: GRPCAction;
  sleep?: SleepAction;
}
type HandlerKind = keyof Handler;
const handlerKinds: readonly HandlerKind[] = ['exec', 'httpGet', 'tcpSocket', 'grpc', 'sleep'];

function validateAction(h: Handler, kind: HandlerKind, path: string): FieldError[] {
  const errs: FieldError[] = [];
  switch (kind) {
    case 'exec':
      if (!(Array.isArray(h.exec?.command) && h.exec.command.length > 0)) errs.push(field.required(`${path}.command`, ''));
      break;
    case 'httpGet': {
      const v = h.httpGet;
      if (!v?.path) errs.push(field.required(`${path}.path`, ''));
      errs.push(...validatePortNumOrName(v?.port, `${path}.port`));
      errs.push(...validateEnum(v?.scheme, `${path}.scheme`, ['HTTP', 'HTTPS'], false));
      (v?.httpHeaders ?? []).forEach((hdr, i) => {
        if (!hdr?.name || !/^[-!#$%&'*+.^_`|~0-9A-Za-z]+$/.test(hdr.name)) {
          errs.push(field.invalid(`${path}.httpHeaders[${i}].name`, hdr?.name ?? '', 'a valid HTTP header must consist of alphanumeric characters or \'-\''));
        }
      });
      break;
    }
    case 'tcpSocket':
      errs.push(...validatePortNumOrName(h.tcpSocket?.port, `${path}.port`));
      break;
    case 'grpc': {
      const port = h.grpc?.port;
      if (typeof port !== 'number') errs.push(field.required(`${path}.port`, ''));
      else for (const m of isValidPortNum(port)) errs.push(field.invalid(`${path}.port`, port, m));
      break;
    }
    case 'sleep':
      errs.push(...validateNonNegative(h.sleep?.seconds, `${path}.seconds`));
      break;
  }
  return errs;
}

function validateHandler(h: Handler, path: string, allowed: readonly HandlerKind[]): FieldError[] {
  const present = handlerKinds.filter((k) => h[k]);
  const errs: FieldError[] = [];
  if (present.length === 0) return [field.required(path, 'must specify a handler type')];
  for (const extra of present.slice(1)) errs.push(field.forbidden(`${path}.${extra}`, 'may not specify more than 1 handler type'));
  for (const k of present) {
    if (!allowed.includes(k)) errs.push(field.forbidden(`${path}.${k}`, 'may not be set for this handler'));
    errs.push(...validateAction(h, k, `${path}.${k}`));
  }
  return errs;
}

const probeCounters = ['initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold'] as const;

export function validateProbe(probe: Probe | undefined, path: string, kind: 'liveness' | 'readiness' | 'startup'): FieldError[] {
  if (!probe) return [];
  const errs = validateHandler(probe, path, ['exec', 'httpGet', 'tcpSocket', 'grpc']);
  for (const f of probeCounters) errs.push(...validateNonNegative(probe[f], `${path}.${f}`));
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
  /** The pod's volume names, for the container's mounts. */
  volumes: ReadonlySet<string>;
  hostNetwork: boolean;
}

const probes = [['livenessProbe', 'liveness'], ['readinessProbe', 'readiness'], ['startupProbe', 'startup']] as const;

export function validateContainer(c: Container, path: string, ctx: ContainerContext): FieldError[] {
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
  if (c.restartPolicy !== undefined && ctx.kind !== 'ephemeral') {
    if (ctx.kind !== 'init') errs.push(field.forbidden(`${path}.restartPolicy`, 'may not be set for non-init containers'));
    else errs.push(...validateEnum(c.restartPolicy, `${path}.restartPolicy`, ['Always']));
  }
  const sidecar = ctx.kind === 'init' && isRestartableInitContainer(c);
  for (const [key, kind] of probes) {
    // An ephemeral container's probes are refused with its other forbidden fields (ephemeral_validation.ts).
    if (!c[key] || ctx.kind === 'ephemeral') continue;
    if (ctx.kind === 'init' && !sidecar) errs.push(field.forbidden(`${path}.${key}`, 'may not be set for init containers without restartPolicy=Always'));
    else errs.push(...validateProbe(c[key], `${path}.${key}`, kind));
  }
  for (const hook of ['postStart', 'preStop'] as const) {
    const handler = c.lifecycle?.[hook];
    if (handler) errs.push(...validateHandler(handler, `${path}.lifecycle.${hook}`, ['exec', 'httpGet', 'tcpSocket', 'sleep']));
  }
  return errs;
}
