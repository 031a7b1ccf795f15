/**
 * Small pieces every Flow route needs: stop working for a client that went away, and say what is
 * wrong with a body that failed validation.
 */
import type { ErrorObject } from 'ajv';
import type { FastifyReply } from 'fastify';
import { detailsFromAjv, type Loc, type ValidationErrorBody, validationBody } from './validation-error.js';

/** A signal that aborts when the client closes the connection before the response is complete. */
export function abortOnDisconnect(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  const response = reply.raw;
  const onClose = () => {
    if (!response.writableFinished) controller.abort(new Error('the client closed the connection'));
  };
  response.once('close', onClose);
  return controller.signal;
}

/** The 422 body for a value that failed its validator. */
export function invalidBodyResponse(value: unknown, errors: readonly ErrorObject[], root: Loc = ['body']): ValidationErrorBody {
  if (value === undefined) return validationBody([{ type: 'missing', loc: root, msg: 'Field required', input: null }]);
  if (typeof value === 'string') {
    // a body sent with a non-JSON Content-Type (curl -d defaults to form encoding)
    return validationBody([
      {
        type: 'model_attributes_type',
        loc: root,
        msg: 'Input should be a valid dictionary or object to extract fields from (send JSON with Content-Type: application/json)',
      },
    ]);
  }
  return validationBody(detailsFromAjv(errors, value, root));
}
