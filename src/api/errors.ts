// API errors in the Kubernetes `Status` shape, with upstream's reasons, codes and messages.
import { fieldErrorBody, fieldErrorMessage, type FieldError } from './validation/field.ts';

export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export type StatusReason =
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Invalid'
  | 'BadRequest'
  | 'Unauthorized'
  | 'Forbidden'
  | 'MethodNotAllowed'
  | 'RequestEntityTooLarge'
  | 'UnsupportedMediaType'
  | 'NotAcceptable'
  | 'Expired'
  | 'Gone'
  | 'Timeout'
  | 'TooManyRequests'
  | 'InternalError'
  | 'ServiceUnavailable';

export class StatusError extends Error {
  constructor(
    readonly code: number,
    readonly reason: StatusReason,
    message: string,
    readonly details?: StatusDetails,
  ) {
    super(message);
  }

  toStatus(): Record<string, unknown> {
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      ...(this.details ? { details: this.details } : {}),
      code: this.code,
    };
  }
}

/** A group-qualified resource as upstream prints it: "pods", "leases.coordination.k8s.io". */
export interface QualifiedResource {
  group: string;
  resource: string;
}

function qualified(r: QualifiedResource): string {
  return r.group ? `${r.resource}.${r.group}` : r.resource;
}

export const errors = {
  notFound: (r: QualifiedResource, name: string) =>
    new StatusError(404, 'NotFound', `${qualified(r)} "${name}" not found`, { name, group: r.group || undefined, kind: r.resource }),
  alreadyExists: (r: QualifiedResource, name: string) =>
    new StatusError(409, 'AlreadyExists', `${qualified(r)} "${name}" already exists`, { name, group: r.group || undefined, kind: r.resource }),
  conflict: (r: QualifiedResource, name: string, why = 'the object has been modified; please apply your changes to the latest version and try again') =>
    new StatusError(409, 'Conflict', `Operation cannot be fulfilled on ${qualified(r)} "${name}": ${why}`, {
      name,
      group: r.group || undefined,
      kind: r.resource,
    }),
  /** kind is the Kind ("Pod"), as upstream's NewInvalid. */
  invalid: (group: string, kind: string, name: string, errs: FieldError[]) => {
    const msgs = errs.map(fieldErrorMessage);
    const joined = msgs.length === 1 ? msgs[0] : `[${msgs.join(', ')}]`;
    return new StatusError(422, 'Invalid', `${kind} "${name}" is invalid: ${joined}`, {
      name,
      group: group || undefined,
      kind,
      causes: errs.map((e) => ({ reason: e.type, message: fieldErrorBody(e), field: e.field })),
    });
  },
  badRequest: (message: string) => new StatusError(400, 'BadRequest', message),
  unauthorized: (message = 'Unauthorized') => new StatusError(401, 'Unauthorized', message),
  forbidden: (r: QualifiedResource, name: string, why: string) =>
    new StatusError(403, 'Forbidden', name ? `${qualified(r)} "${name}" is forbidden: ${why}` : `${qualified(r)} is forbidden: ${why}`, {
      name: name || undefined,
      group: r.group || undefined,
      kind: r.resource,
    }),
  forbiddenPath: (message: string) => new StatusError(403, 'Forbidden', message),
  methodNotSupported: (r: QualifiedResource, verb: string) =>
    new StatusError(405, 'MethodNotAllowed', `${verb} is not supported on resources of kind "${qualified(r)}"`, {
      group: r.group || undefined,
      kind: r.resource,
    }),
  tooLarge: (limit: number) =>
    new StatusError(413, 'RequestEntityTooLarge', `Request entity too large: limit is ${limit}`),
  unsupportedMediaType: (type: string) =>
    new StatusError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml (got ${JSON.stringify(type)})`),
  /** A list, continue or watch from a resourceVersion the storage has compacted away. */
  expired: (message: string) => new StatusError(410, 'Expired', message),
  gone: (message: string) => new StatusError(410, 'Gone', message),
  timeout: (message: string) => new StatusError(504, 'Timeout', message),
  internal: (message: string) => new StatusError(500, 'InternalError', `Internal error occurred: ${message}`),
  unavailable: (message: string) => new StatusError(503, 'ServiceUnavailable', message),
};

export function isStatusError(e: unknown, reason?: StatusReason): e is StatusError {
  return e instanceof StatusError && (reason === undefined || e.reason === reason);
}
