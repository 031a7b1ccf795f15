/** create-gateway: the public face of the generator package. */
export const GENERATOR_PACKAGE = 'create-gateway';

// Introspection sources, scaffolds (templates/) and the project writer (reconcile: manifest, all or nothing)
export * from './introspect/index.js';
export * from './reconcile/index.js';
export * from './scaffold/index.js';
export * from './cli/index.js';
export * from './regenerate/index.js';
export * from './publish/index.js';
