/**
 * gRPC service definitions whose messages stay bytes (identity serializers): our servers and
 * clients decode only what they need, so forwarded documents are never parsed.
 */
import type { ServiceDefinition } from '@grpc/grpc-js';

const identity = (value: Buffer): Buffer => value;

export interface RawMethodShape {
  requestStream?: boolean;
  responseStream?: boolean;
}

/** A one-method service definition for `/<service>/<method>`, keyed by the method name. */
export function rawService(service: string, method: string, shape: RawMethodShape = {}): ServiceDefinition {
  return {
    [method]: {
      path: `/${service}/${method}`,
      requestStream: shape.requestStream ?? false,
      responseStream: shape.responseStream ?? false,
      requestSerialize: identity,
      requestDeserialize: identity,
      responseSerialize: identity,
      responseDeserialize: identity,
    },
  };
}
