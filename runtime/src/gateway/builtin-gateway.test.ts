import { describe, expect, it } from 'vitest';
import { BuiltinGateway, v1OnlyParameterWarnings } from './builtin-gateway.js';

describe("the built-in gateway's docarray-v1 HTTP parameters (uses_with)", () => {
  it('warn once each when set to something that would act in Jina\'s v1 app; defaults and no-op values stay quiet', () => {
    expect(v1OnlyParameterWarnings(BuiltinGateway.parameters)).toEqual([]);
    expect(v1OnlyParameterWarnings({ ...BuiltinGateway.parameters, no_debug_endpoints: false, expose_endpoints: '{}', expose_graphql_endpoint: false })).toEqual([]);
    expect(
      v1OnlyParameterWarnings({ ...BuiltinGateway.parameters, no_debug_endpoints: true, no_crud_endpoints: true, expose_endpoints: { '/foo': {} }, expose_graphql_endpoint: true }),
    ).toEqual([
      "uses_with no_debug_endpoints has no effect with docarray v2: hides /dry_run, /status and /post in Jina's docarray-v1 HTTP app only; /dry_run and /status stay served; ignored",
      "uses_with no_crud_endpoints has no effect with docarray v2: removes the CRUD routes of Jina's docarray-v1 HTTP app only; there are none here; ignored",
      "uses_with expose_endpoints has no effect with docarray v2: JSON; extra routes of Jina's docarray-v1 HTTP app only; every endpoint is served at its own path here; ignored",
      "uses_with expose_graphql_endpoint has no effect with docarray v2: there is no GraphQL endpoint (Jina's docarray-v2 gateway has none either); ignored",
    ]);
  });
});
