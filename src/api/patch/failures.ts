// The two ways a patch fails, with upstream's codes: a patch that is malformed is a 400
// BadRequest; one that is well formed but cannot be applied to this object is a 422 Invalid
// (upstream's NewGenericServerResponse(422) text, followed by what went wrong).
import { StatusError, errors } from '../errors.ts';

export function malformedPatch(message: string): StatusError {
  return errors.badRequest(message);
}

export function unprocessablePatch(detail: string): StatusError {
  return new StatusError(422, 'Invalid', `the server rejected our request due to an error in our request: ${detail}`);
}
