// A kubelet's answer that is not a success, as the API server hands it on: upstream's
// GenericHttpResponseChecker (pkg/registry/generic/rest/response_checker.go), which the log REST's
// LocationStreamer runs before streaming. The kubelet answers errors with a plain-text body.
import { StatusError, type QualifiedResource, type StatusReason } from '../api/errors.ts';

/** How much of a failed answer's body is read (upstream's maxReadLength). */
export const MAX_ERROR_BODY = 50_000;

/** Whether a kubelet status code is a success (upstream: 200 to 206). */
export const kubeletOk = (code: number): boolean => code >= 200 && code <= 206;

/** Upstream's NewGenericServerResponse with an empty verb and no unexpected-response cause. */
function genericServerResponse(code: number, r: QualifiedResource, name: string, serverMessage: string): StatusError {
  // Upstream's StatusReasonUnknown is the empty reason.
  let reason = '' as StatusReason;
  let message = `the server responded with the status code ${code} but did not return more information`;
  switch (code) {
    case 409: reason = 'Conflict'; message = 'the server reported a conflict'; break;
    case 404: reason = 'NotFound'; message = 'the server could not find the requested resource'; break;
    case 400: reason = 'BadRequest'; message = 'the server rejected our request for an unknown reason'; break;
    case 401: reason = 'Unauthorized'; message = 'the server has asked for the client to provide credentials'; break;
    case 403: reason = 'Forbidden'; message = serverMessage; break;
    case 406:
      reason = 'NotAcceptable';
      message = !serverMessage || serverMessage === 'unknown' ? 'the server was unable to respond with a content type that the client supports' : serverMessage;
      break;
    case 415: reason = 'UnsupportedMediaType'; message = serverMessage; break;
    case 405: reason = 'MethodNotAllowed'; message = 'the server does not allow this method on the requested resource'; break;
    case 422: reason = 'Invalid'; message = 'the server rejected our request due to an error in our request'; break;
    case 503: reason = 'ServiceUnavailable'; message = 'the server is currently unable to handle the request'; break;
    case 504: reason = 'Timeout'; message = 'the server was unable to return a response in the time allotted, but may still be processing the request'; break;
    case 429: reason = 'TooManyRequests'; message = 'the server has received too many requests and has asked us to try again later'; break;
    default:
      if (code >= 500) {
        reason = 'InternalError';
        message = `an error on the server (${JSON.stringify(serverMessage)}) has prevented the request from succeeding`;
      }
  }
  const qualified = r.group ? `${r.resource}.${r.group}` : r.resource;
  // fmt's "%s (%s %s %s)" with an empty verb: upstream's message has the space before the resource.
  message = name ? `${message} ( ${qualified} ${name})` : `${message} ( ${qualified})`;
  return new StatusError(code, reason, message, { group: r.group || undefined, kind: r.resource, name: name || undefined });
}

/**
 * The Status a failed kubelet answer becomes: 400 keeps the kubelet's message as a BadRequest,
 * 500 becomes an InternalError with it, any other code upstream's generic answer for that code.
 */
export function kubeletErrorStatus(code: number, body: string, r: QualifiedResource, name: string): StatusError {
  if (code === 500) return new StatusError(500, 'InternalError', `Internal error occurred: ${body}`);
  if (code === 400) return new StatusError(400, 'BadRequest', body);
  return genericServerResponse(code, r, name, body);
}
