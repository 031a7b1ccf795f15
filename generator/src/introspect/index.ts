/** Introspection: where executor schemas come from (live, Flow YAML, gateway flags, saved file). */
export { introspect, type IntrospectOptions, type IntrospectRequest, type Introspection } from './introspect.js';
export { canonicalJson, sortKeys, withoutRandomIdExamples } from './canonical-json.js';
export { DEFAULT_DISCOVERY_TIMEOUT_MS, discoverDeployments, type DiscoverOptions, type RawDiscovery } from './discover.js';
export { checkAddress, checkDeploymentName, checkUniqueNames, parseExecutorOption } from './executor-option.js';
export { parseFlowYaml, readFlowYaml, type FlowDeployments } from './flow-yaml.js';
export { readGatewayFlags, type GraphDeployments } from './gateway-flags.js';
export { checkSchemaFileShape, type RawEndpointSchema, type RawExecutorDiscovery, type RawSchemaFile } from './schema-shape.js';
export { describeSource, type DeploymentTarget, type SchemaSource } from './sources.js';
