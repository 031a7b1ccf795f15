/**
 * A closed-loop gRPC load generator (what ghz does, in grpc-js): `concurrency` unary calls in
 * flight on one channel for `durationMs`, each sending the same serialized message through
 * identity serializers; latencies from hrtime. A call fails on a non-OK gRPC status, or when
 * `check` refuses the response bytes.
 */
import { Client, credentials } from '@grpc/grpc-js';

export interface GrpcLoadOptions {
  /** `host:port` */
  address: string;
  /** `/package.Service/method` */
  method: string;
  request: Buffer;
  concurrency: number;
  durationMs: number;
}

export interface LoadResult {
  /** Calls answered OK within the window. */
  requests: number;
  errors: number;
  wallMs: number;
  /** Latency of every OK call, ms. */
  latenciesMs: number[];
  firstError: string | undefined;
}

const identity = (value: Buffer) => value;

export class GrpcLoad {
  private readonly client: Client;

  constructor(private readonly address: string) {
    // no keepalive pings (Jina's options send them; Python grpcio servers answer too many with GOAWAY)
    this.client = new Client(address, credentials.createInsecure(), { 'grpc.max_receive_message_length': -1, 'grpc.max_send_message_length': -1 });
  }

  call(method: string, request: Buffer): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      this.client.makeUnaryRequest(method, identity, identity, request, (error, value) => (error ? reject(error) : resolve(value!)));
    });
  }

  async run(options: Omit<GrpcLoadOptions, 'address'>): Promise<LoadResult> {
    const latenciesMs: number[] = [];
    let errors = 0;
    let firstError: string | undefined;
    const start = process.hrtime.bigint();
    const end = start + BigInt(Math.round(options.durationMs * 1e6));
    await Promise.all(
      Array.from({ length: options.concurrency }, async () => {
        for (;;) {
          const sent = process.hrtime.bigint();
          if (sent >= end) return;
          try {
            await this.call(options.method, options.request);
            latenciesMs.push(Number(process.hrtime.bigint() - sent) / 1e6);
          } catch (error) {
            errors++;
            firstError ??= `${this.address}: ${(error as Error).message}`;
          }
        }
      }),
    );
    return { requests: latenciesMs.length, errors, wallMs: Number(process.hrtime.bigint() - start) / 1e6, latenciesMs, firstError };
  }

  close(): void {
    this.client.close();
  }
}
