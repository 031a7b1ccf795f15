import type { ChannelOptions } from '@grpc/grpc-js';

/**
 * Jina's default gRPC channel and server options (jina/serve/helper.py::get_default_grpc_options):
 * unlimited message sizes, keepalive pings every ~10 s. The `grpc.http1.*` names are Python-core
 * spellings that grpc-js ignores; the http2 equivalents are set for our own servers so Jina
 * clients' keepalive pings are not refused as abuse.
 */
export const JINA_DEFAULT_GRPC_OPTIONS: Readonly<ChannelOptions> = Object.freeze({
  'grpc.max_send_message_length': -1,
  'grpc.max_receive_message_length': -1,
  'grpc.keepalive_time_ms': 9999,
  'grpc.keepalive_timeout_ms': 4999,
  'grpc.keepalive_permit_without_calls': 1,
  'grpc.http2.max_pings_without_data': 0,
  'grpc.http2.min_time_between_pings_ms': 10000,
  'grpc.http2.min_ping_interval_without_data_ms': 5000,
});

/** Jina's `--compression` values and grpc-js's compression algorithm numbers. */
export type CompressionName = 'NoCompression' | 'Deflate' | 'Gzip';

const COMPRESSION_ALGORITHMS: Record<string, number> = { nocompression: 0, deflate: 1, gzip: 2 };

export function compressionAlgorithm(name: string | undefined): number | undefined {
  if (name === undefined || name === null || name === '') return undefined;
  const algorithm = COMPRESSION_ALGORITHMS[name.toLowerCase()];
  if (algorithm === undefined) {
    throw new Error(`unknown compression "${name}": expected one of NoCompression, Deflate, Gzip`);
  }
  return algorithm;
}

/**
 * Channels to executors ping every 6 minutes, not every 10 s as Jina's options say. A Python
 * executor's gRPC server (grpc-core) tolerates a ping without data at most every 5 minutes
 * (`grpc.http2.min_recv_ping_interval_without_data_ms`; Jina's `grpc.http1.*` spellings do not
 * change it) and answers the third early one with GOAWAY "too_many_pings", which grpc-js turns
 * into RESOURCE_EXHAUSTED for every call on the connection: any executor call longer than ~40 s
 * failed. Jina's own gateway escapes this only because grpc-core clients stop after 2 pings
 * without data (`grpc.http2.max_pings_without_data`, which grpc-js does not implement).
 * Measured: test/keepalive.test.ts.
 */
export const EXECUTOR_KEEPALIVE_TIME_MS = 360_000;

/** Jina's defaults (keepalive as above), then the user's options (`--grpc-channel-options`), then compression. */
export function channelOptions(user: ChannelOptions = {}, compression?: string): ChannelOptions {
  const options: ChannelOptions = { ...JINA_DEFAULT_GRPC_OPTIONS, 'grpc.keepalive_time_ms': EXECUTOR_KEEPALIVE_TIME_MS, ...user };
  const algorithm = compressionAlgorithm(compression);
  if (algorithm !== undefined) options['grpc.default_compression_algorithm'] = algorithm;
  return options;
}
