/**
 * Picking the executor transport (flag over JINA_TS_EXECUTOR_TRANSPORT over `own`) and the
 * warnings for --grpc-channel-options the chosen transport's unary calls do not read.
 */
import { describe, expect, it } from 'vitest';
import { channelOptionWarnings, resolveExecutorTransport } from './executor-transport.js';

describe('resolveExecutorTransport', () => {
  it('the flag wins, then the variable (any case), then own; a bad variable is named', () => {
    expect(resolveExecutorTransport('own', { JINA_TS_EXECUTOR_TRANSPORT: 'grpc-js' })).toEqual({ ok: true, value: 'own' });
    expect(resolveExecutorTransport(undefined, { JINA_TS_EXECUTOR_TRANSPORT: 'GRPC-JS' })).toEqual({ ok: true, value: 'grpc-js' });
    expect(resolveExecutorTransport(undefined, {})).toEqual({ ok: true, value: 'own' });
    const bad = resolveExecutorTransport(undefined, { JINA_TS_EXECUTOR_TRANSPORT: 'node' });
    expect(!bad.ok && bad.error.message).toBe('JINA_TS_EXECUTOR_TRANSPORT: expected one of own | grpc-js, got "node"');
  });
});

describe('channelOptionWarnings', () => {
  const options = {
    'grpc.max_receive_message_length': 1024, // both read it
    'grpc.keepalive_time_ms': 60_000, // both read it
    'grpc.default_compression_algorithm': 2, // both read it
    'grpc.max_reconnect_backoff_ms': 1000, // grpc-js only
    'grpc.primary_user_agent': 'me', // grpc-js only
    'grpc.http2.max_pings_without_data': 0, // Python grpc-core's, read by neither
  };

  it('own: one warning per option only grpc-js reads, and per option neither reads', () => {
    expect(channelOptionWarnings(options, 'own')).toEqual([
      '--grpc-channel-options grpc.max_reconnect_backoff_ms: applies only with --executor-transport grpc-js; the own transport ignores it for unary calls and stream_doc to executors (the bidirectional Call still uses it)',
      '--grpc-channel-options grpc.primary_user_agent: applies only with --executor-transport grpc-js; the own transport ignores it for unary calls and stream_doc to executors (the bidirectional Call still uses it)',
      '--grpc-channel-options grpc.http2.max_pings_without_data: not a channel option grpc-js knows (a Python grpc-core one?); ignored by both transports',
    ]);
  });

  it('grpc-js: only the options grpc-js does not know', () => {
    expect(channelOptionWarnings(options, 'grpc-js')).toEqual([
      '--grpc-channel-options grpc.http2.max_pings_without_data: not a channel option grpc-js knows (a Python grpc-core one?); ignored by both transports',
    ]);
  });
});
