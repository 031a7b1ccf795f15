/**
 * Which client carries the gateway's unary calls to executors (process_single_data, process_data,
 * endpoint discovery, status, health): `own`, our HTTP/2 client (unary-channel.ts, the default:
 * a fraction of grpc-js's CPU per call), or `grpc-js`, grpc-js's unary call (grpc-js-unary-channel.ts):
 * the way out when our client is suspected of a bug, or for channel options only grpc-js honours.
 * Streaming calls (Call, stream_doc) always go over grpc-js.
 *
 * No `node` (node:http2 directly) choice: every gRPC rule (framing, status mapping, deadlines,
 * compression) would still be ours, so it would not escape a bug in them, which is the point.
 */
// grpc-js does not export its list of the channel options it reads from its index; the package has
// no "exports" map, so the module is importable, and the version is pinned in runtime/package.json.
import { recognizedOptions } from '@grpc/grpc-js/build/src/channel-options.js';
import type { ChannelOptions } from '@grpc/grpc-js';
import { fail, ok, type Result } from '../gateway/result.js';

export const EXECUTOR_TRANSPORTS = ['own', 'grpc-js'] as const;
export type ExecutorTransport = (typeof EXECUTOR_TRANSPORTS)[number];

/** The environment variable that picks the transport when --executor-transport is not given. */
export const EXECUTOR_TRANSPORT_ENV = 'JINA_TS_EXECUTOR_TRANSPORT';

/** The flag's value if given, else the environment variable's, else `own`; a bad value names where it came from. */
export function resolveExecutorTransport(flag: ExecutorTransport | undefined, env: NodeJS.ProcessEnv): Result<ExecutorTransport> {
  if (flag !== undefined) return ok(flag);
  const raw = env[EXECUTOR_TRANSPORT_ENV];
  if (raw === undefined || raw === '') return ok('own');
  const match = EXECUTOR_TRANSPORTS.find((transport) => transport === raw.trim().toLowerCase());
  return match === undefined ? fail(`${EXECUTOR_TRANSPORT_ENV}: expected one of ${EXECUTOR_TRANSPORTS.join(' | ')}, got ${JSON.stringify(raw)}`) : ok(match);
}

/**
 * The channel options the own client reads (deployment-client.ts, channelFor): TLS name, compression,
 * keepalive, message size limits. grpc-js reads these and more (`recognizedOptions`).
 */
export const OWN_CLIENT_CHANNEL_OPTIONS: ReadonlySet<string> = new Set([
  'grpc.ssl_target_name_override',
  'grpc.default_compression_algorithm',
  'grpc.keepalive_time_ms',
  'grpc.keepalive_timeout_ms',
  'grpc.keepalive_permit_without_calls',
  'grpc.max_receive_message_length',
  'grpc.max_send_message_length',
]);

/**
 * One warning per --grpc-channel-options key the unary calls will not honour with `transport`:
 * with `own`, the grpc-js options it does not read (they still apply to the bidirectional Call); with
 * either, keys grpc-js does not know (e.g. Python grpc-core spellings).
 */
export function channelOptionWarnings(user: ChannelOptions, transport: ExecutorTransport): string[] {
  const warnings: string[] = [];
  for (const key of Object.keys(user)) {
    // grpc-js reads the compression option without listing it in recognizedOptions
    const grpcJsReads = Object.hasOwn(recognizedOptions, key) || key === 'grpc.default_compression_algorithm';
    if (!grpcJsReads) {
      warnings.push(`--grpc-channel-options ${key}: not a channel option grpc-js knows (a Python grpc-core one?); ignored by both transports`);
    } else if (transport === 'own' && !OWN_CLIENT_CHANNEL_OPTIONS.has(key)) {
      warnings.push(
        `--grpc-channel-options ${key}: applies only with --executor-transport grpc-js; the own transport ignores it for unary calls and stream_doc to executors (the bidirectional Call still uses it)`,
      );
    }
  }
  return warnings;
}
