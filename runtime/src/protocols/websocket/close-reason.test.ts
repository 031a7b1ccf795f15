/**
 * Close codes and reasons: network failures as Jina words them (shortened to a fallback naming
 * the deployment when too long), client mistakes as 1007, and every reason within 123 bytes.
 */
import { status as GrpcStatus } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { ExecutorNetworkError } from '../../executor/errors.js';
import { RequestFailure } from '../grpc/failure.js';
import { MalformedRequestError } from '../grpc/request-bytes.js';
import { closeReasonFor, MAX_CLOSE_REASON_BYTES, truncate } from './close-reason.js';

describe('closeReasonFor', () => {
  it('network failure: 1011 with the details when they fit, else a fallback naming the deployment', () => {
    const short = new ExecutorNetworkError(GrpcStatus.UNAVAILABLE, 'd', ['a:1'], 'x');
    expect(closeReasonFor(short).code).toBe(1011);
    expect(closeReasonFor(short).reason).toBe("x |Gateway: Communication error with deployment d at address(es) {'a:1'}. Head or worker(s) may be down.");
    const long = new ExecutorNetworkError(GrpcStatus.UNAVAILABLE, 'enc', ['grpc://10.0.0.1:5000'], 'failed to connect to all addresses; last error: ...');
    expect(closeReasonFor(new RequestFailure(long, 'r')).reason).toBe('Network error while connecting to deployment enc at grpc://10.0.0.1:5000. It may be down.');
    const late = new ExecutorNetworkError(GrpcStatus.DEADLINE_EXCEEDED, 'enc', ['grpc://10.0.0.1:5000'], 'Deadline Exceeded');
    expect(closeReasonFor(late).reason).toBe('Connection to deployment enc at grpc://10.0.0.1:5000 timed out. You can adjust `timeout_send` attribute.');
    expect(closeReasonFor(late).failure.details).toContain('could be established, but timed out');
  });

  it('malformed request: 1007; our own bug: 1011', () => {
    expect(closeReasonFor(new MalformedRequestError('DataRequestProto: bad')).code).toBe(1007);
    const bug = closeReasonFor(new TypeError('oops'));
    expect(bug).toMatchObject({ code: 1011, reason: 'internal gateway error: oops', failure: { internal: true } });
  });
});

describe('truncate', () => {
  it('keeps reasons within 123 UTF-8 bytes, on a character boundary', () => {
    expect(truncate('short')).toBe('short');
    const long = 'é'.repeat(100);
    const cut = truncate(long);
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(MAX_CLOSE_REASON_BYTES);
    expect(cut.endsWith('…')).toBe(true);
    expect(cut.replace('…', '')).toMatch(/^é+$/);
  });
});
