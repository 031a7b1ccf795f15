/** Introspection: where executor schemas come from (live, Flow YAML, gateway flags, saved file). */
export { canonicalJson, sortKeys, withoutRandomIdExamples } from './canonical-json.js';
export { checkAddress, checkDeploymentName, checkUniqueNames, parseExecutorOption } from './executor-option.js';
export { parseFlowYaml, readFlowYaml, type FlowDeployments } from './flow-yaml.js';
export { readGatewayFlags, type GraphDeployments } from './gateway-flags.js';
export { describeSource, type DeploymentTarget, type SchemaSource } from './sources.js';
export { DEFAULT_DISCOVERY_TIMEOUT_MS, discoverDeployments, type DiscoverOptions, type RawDiscovery } from './discover.js';
