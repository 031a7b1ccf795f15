/**
 * Executors behind TLS (`grpcs://` in --deployments-addresses): unary calls over the runtime's
 * HTTP/2 channel and stream_doc over grpc-js both verify the executor's certificate against the
 * given roots, and refuse one they cannot verify, naming the address; unary calls over each
 * executor transport.
 */
import { readFileSync, rmSync } from 'node:fs';
import { Server, ServerCredentials, type ServerUnaryCall, type ServerWritableStream, type sendUnaryData } from '@grpc/grpc-js';
import { afterAll, describe, expect, it } from 'vitest';
import { DeploymentClient, EXECUTOR_TRANSPORTS, ExecutorNetworkError, rawService } from '../runtime/src/index.js';
import { makeTestCertificate } from './support/tls.js';

const certificate = makeTestCertificate('jina-ts-executor-tls-');
const server = new Server();
let address: Promise<string> | undefined;
afterAll(() => {
  server.forceShutdown();
  rmSync(certificate.dir, { recursive: true, force: true });
});

async function tlsExecutor(): Promise<string> {
  server.addService(rawService('jina.JinaSingleDataRequestRPC', 'process_single_data'), {
    process_single_data: (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => callback(null, Buffer.concat([Buffer.from('tls:'), call.request])),
  });
  server.addService(rawService('jina.JinaSingleDocumentRequestRPC', 'stream_doc', { responseStream: true }), {
    stream_doc: (call: ServerWritableStream<Buffer, Buffer>) => {
      call.write(Buffer.from('one'));
      call.write(Buffer.from('two'));
      call.end();
    },
  });
  const credentials = ServerCredentials.createSsl(null, [{ cert_chain: readFileSync(certificate.certFile), private_key: readFileSync(certificate.keyFile) }]);
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', credentials, (error, bound) => (error ? reject(error) : resolve(bound))));
  return `grpcs://127.0.0.1:${port}`;
}

describe.each(EXECUTOR_TRANSPORTS)('executors over TLS, transport %s', (transport) => {
  it('unary and streaming calls verify the certificate with the given roots; without them the call fails naming the address', async () => {
    address ??= tlsExecutor(); // one server for both transports
    const target = await address;
    const trusted = new DeploymentClient('secure', [target], { rootCerts: readFileSync(certificate.certFile), transport });
    try {
      expect((await trusted.processSingleData(Buffer.from('hi'))).response.toString()).toBe('tls:hi');
      // several MiB each way, several at once: frames and flow control through the TLS socket
      const large = Array.from({ length: 3 }, (_, i) => Buffer.alloc(3 * 1024 * 1024 + i, 65 + i));
      const answers = await Promise.all(large.map((message) => trusted.processSingleData(message)));
      answers.forEach((answer, i) => expect(answer.response.equals(Buffer.concat([Buffer.from('tls:'), large[i]!]))).toBe(true));
      const parts: string[] = [];
      for await (const part of trusted.streamDoc(Buffer.from('x'))) parts.push(part.toString());
      expect(parts).toEqual(['one', 'two']);
    } finally {
      trusted.close();
    }

    const untrusted = new DeploymentClient('secure', [target], { retries: 0, transport });
    try {
      const error = await untrusted.processSingleData(Buffer.from('hi')).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ExecutorNetworkError);
      expect((error as ExecutorNetworkError).code).toBe(14);
      expect((error as Error).message).toContain(`deployment "secure" at address(es) ${target}`);
      expect((error as Error).message).toMatch(/self[- ]signed certificate/i);
    } finally {
      untrusted.close();
    }
  });
});
