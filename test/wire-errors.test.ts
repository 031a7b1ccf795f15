/**
 * Failures between the runtime and executors give clear errors, and the process stays up:
 * an unreachable address, an executor killed mid-request, a deadline, malformed documents sent
 * to a real Jina executor, and a malformed response from an executor; over each executor transport.
 */
import { Server, ServerCredentials, type ServerUnaryCall, type sendUnaryData } from '@grpc/grpc-js';
import { rawService } from '../runtime/src/grpc/raw-service.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DeploymentClient,
  encodeDataRequest,
  decodeDataRequest,
  ExecutorError,
  ExecutorNetworkError,
  ExecutorProtocolError,
  EXECUTOR_TRANSPORTS,
  GatewayStreamer,
} from '../runtime/src/index.js';
import { appendLengthDelimited } from '../runtime/src/wire/length-delimited.js';
import { EXECUTORS, type JinaExecutor, startJinaExecutor } from './support/jina.js';
import { freePort } from './support/ports.js';
import { useProcessRegistry } from './support/processes.js';

useProcessRegistry();

let slow: JinaExecutor;
let echo: JinaExecutor;
let garbage: Server;
let garbageAddress: string;

beforeAll(async () => {
  [slow, echo] = await Promise.all([
    startJinaExecutor({ name: 'slow', ...EXECUTORS.slow }),
    startJinaExecutor({ name: 'echo', ...EXECUTORS.echo }),
  ]);
  // A peer that answers process_single_data with bytes that are not a DataRequestProto.
  garbage = new Server();
  garbage.addService(
    rawService('jina.JinaSingleDataRequestRPC', 'process_single_data'),
    { process_single_data: (_call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => callback(null, Buffer.from([0x0a, 0xff, 0xff, 0x01])) },
  );
  const port = await new Promise<number>((resolve, reject) =>
    garbage.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
  );
  garbageAddress = `grpc://127.0.0.1:${port}`;
});

afterAll(() => garbage?.forceShutdown());

describe.each(EXECUTOR_TRANSPORTS)('executor failures, transport %s', (transport) => {
  function streamerFor(name: string, addresses: string[], extra: Partial<ConstructorParameters<typeof GatewayStreamer>[0]> = {}) {
    return new GatewayStreamer({ deploymentsAddresses: { [name]: addresses }, executorTransport: transport, ...extra });
  }

  it('an unreachable address: UNAVAILABLE naming the deployment and the address', async () => {
    const port = await freePort();
    const flow = streamerFor('ghost', [`grpc://127.0.0.1:${port}`]);
    try {
      const error = await flow.executor.ghost!.post({ on: '/x', inputs: [{ text: 'a' }] }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ExecutorNetworkError);
      const network = error as ExecutorNetworkError;
      expect(network.code).toBe(14);
      expect(network.deployment).toBe('ghost');
      expect(network.addresses).toEqual([`grpc://127.0.0.1:${port}`]);
      expect(network.message).toContain(`deployment "ghost" at address(es) grpc://127.0.0.1:${port}`);
    } finally {
      flow.close();
    }
  });

  it('an executor killed mid-request: the call fails naming it, and the next one works once it is back', async () => {
    const flow = streamerFor('slow', slow.addresses, { retries: 1 });
    try {
      const pending = flow.executor.slow!.post({ on: '/slow', inputs: [{ text: 'a' }], parameters: { ms: 5000 } }).catch((e: unknown) => e);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      await slow.replicas[0]!.process.stop(0); // SIGKILL-equivalent: no grace
      const error = await pending;
      expect(error).toBeInstanceOf(ExecutorNetworkError);
      expect((error as ExecutorNetworkError).message).toMatch(/^UNAVAILABLE: communication error with deployment "slow" at address\(es\) grpc:\/\/127\.0\.0\.1:\d+/);

      // a new executor on the same port: the client reconnects by itself
      slow = await startJinaExecutor({ name: 'slow', ...EXECUTORS.slow, port: slow.port });
      const docs = await flow.executor.slow!.post({ on: '/slow', inputs: [{ text: 'b' }], parameters: { ms: 1 } });
      expect(docs[0]?.text).toBe('slept:1');
    } finally {
      flow.close();
    }
  });

  it('a deadline (--timeout-send): DEADLINE_EXCEEDED naming the deployment', async () => {
    const flow = streamerFor('slow', slow.addresses, { timeoutSend: 300, retries: 0 });
    try {
      const error = await flow.executor.slow!.post({ on: '/slow', inputs: [{ text: 'a' }], parameters: { ms: 1500 } }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ExecutorNetworkError);
      expect((error as ExecutorNetworkError).code).toBe(4);
      expect((error as Error).message).toMatch(/^DEADLINE_EXCEEDED: communication error with deployment "slow"/);
    } finally {
      flow.close();
    }
  });

  it('malformed documents sent to a real Jina executor come back as its in-band error', async () => {
    const client = new DeploymentClient('echo', echo.addresses, { transport });
    try {
      // DataContentProto.docs_bytes holding bytes that are not a DocListProto
      const data = appendLengthDelimited(new Uint8Array(0), 2, [Buffer.from([0x0a, 0x05, 0x0a, 0x03, 0xff, 0xff])]);
      const request = encodeDataRequest({ header: { requestId: 'bad', status: undefined, execEndpoint: '/echo' }, parameters: {}, routes: [], data });
      const result = await client.processSingleData(request, { endpoint: '/echo' });
      expect(result.isError).toBe(true);
      const response = decodeDataRequest(result.response);
      const error = new ExecutorError(response.header.status, 'echo');
      // protobuf's own parse error, raised inside the worker and reported in-band
      expect(error.exceptionName).toBe('DecodeError');
      expect(error.description).toBe("DecodeError('Error parsing message')");
      expect(error.message).toContain('deployment "echo"');
      // and the executor still serves the next request
      const flow = streamerFor('echo', echo.addresses);
      const ok = await flow.executor.echo!.post({ on: '/echo', inputs: [{ text: 'fine' }] }).finally(() => flow.close());
      expect(ok[0]?.text).toBe('fine');
    } finally {
      client.close();
    }
  });

  it('a malformed response: ExecutorProtocolError naming the deployment and replica', async () => {
    const flow = streamerFor('garbage', [garbageAddress]);
    try {
      const error = await flow.executor.garbage!.post({ on: '/x', inputs: [{ text: 'a' }] }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ExecutorProtocolError);
      expect((error as Error).message).toContain(`deployment "garbage" at ${garbageAddress} sent a malformed response`);
    } finally {
      flow.close();
    }
  });
});
