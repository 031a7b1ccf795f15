/**
 * Versions a generated project pins (exact, like this repository). fastify and ajv come from the
 * runtime's own dependencies at generation time (one copy of fastify's types across the project
 * and the runtime); the toolchain versions are the ones this repository builds with.
 */
export const PROJECT_TOOLCHAIN = {
  typescript: '7.0.2',
  typesNode: '24.10.1',
  /** node:<major>-slim base image and `engines.node`. */
  nodeMajor: 24,
} as const;

/** Port the gateway serves HTTP on by default (Jina's exports use 8080 for the first protocol). */
export const DEFAULT_GATEWAY_PORT = 8080;
