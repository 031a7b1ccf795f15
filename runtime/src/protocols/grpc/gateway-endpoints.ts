/**
 * The gateway's own `endpoint_discovery` answer (Jina's `GatewayRequestHandler.endpoint_discovery`,
 * wire brief §3.6): the Flow-level endpoints, and per endpoint
 * `{input: <schema>, output: <schema>, is_generator, is_singleton_doc}` — the JSON schemas
 * themselves, with no `{name, model}` wrapper and no `parameters`, unlike an executor's answer.
 *
 * The schemas are the ones the binding executors reported. Jina's are its pydantic rebuild of
 * them, which differs in details (e.g. it adds `"required": ["id"]`); a client reads either the
 * same way. An endpoint whose executor reported no models is listed without a schema entry, as
 * Jina lists endpoints only when it has no models.
 */
import type { EndpointsProto } from '../../wire/gen/jina/jina.pb.js';
import type { FlowEndpoint } from '../http/flow-endpoints.js';

export function gatewayEndpoints(endpoints: ReadonlyMap<string, FlowEndpoint>): EndpointsProto {
  const schemas: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const endpoint of endpoints.values()) {
    if (endpoint.input === undefined || endpoint.output === undefined) continue;
    schemas[endpoint.endpoint] = {
      input: endpoint.input.schema,
      output: endpoint.output.schema,
      is_generator: endpoint.isGenerator,
      is_singleton_doc: endpoint.isSingletonDoc,
    };
  }
  return { endpoints: [...endpoints.keys()], writeEndpoints: [], schemas };
}
