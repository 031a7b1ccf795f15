/**
 * The version of Jina's wire protocol that protos/jina/jina.proto is written from: Jina's
 * `jina.__proto_version__`, the same from jina-serve 3.20 to 3.34 (the proto did not change).
 * `/status` reports it as `jina-proto`, as Jina's gateway does; test/http-gateway.test.ts checks
 * it against what the pinned Jina's own gateway reports, so a proto update that forgets it fails.
 */
export const JINA_PROTO_VERSION = '0.1.27';
