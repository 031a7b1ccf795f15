/**
 * A DeploymentClient whose data calls (process_single_data, process_data, Call, stream_doc) each
 * get a CLIENT span, child of the span active when the call is made (the inbound request's), and
 * send its W3C `traceparent` / `tracestate` in the call's gRPC metadata: Jina's executors extract
 * it and parent their own spans on it. Span names and rpc.* attributes are those of the grpc
 * client interceptor Jina's gateway uses (opentelemetry-instrumentation-grpc), e.g.
 * `/jina.JinaSingleDataRequestRPC/process_single_data`; `jina.deployment` names the executor.
 *
 * One span per call, retries included (the replica that answered is `server.address`). A failed
 * call's span has status ERROR naming the deployment and the gRPC code (rpc.grpc.status_code);
 * an executor that raised (in-band error, gRPC OK) also sets ERROR, naming the deployment.
 */
import { context, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { type CallOptions, DeploymentClient, type DeploymentClientOptions, JINA_PATHS, type UnaryResult } from '../executor/deployment-client.js';
import type { Tracing } from './tracing.js';

export class TracedDeploymentClient extends DeploymentClient {
  constructor(
    name: string,
    addresses: readonly string[],
    options: DeploymentClientOptions,
    private readonly tracing: Tracing,
  ) {
    super(name, addresses, options);
  }

  override processSingleData(request: Buffer, options: CallOptions = {}): Promise<UnaryResult> {
    return this.traced(JINA_PATHS.processSingleData, options, (traced) => super.processSingleData(request, traced));
  }

  override processData(requests: readonly Buffer[], options: CallOptions = {}): Promise<UnaryResult> {
    return this.traced(JINA_PATHS.processData, options, (traced) => super.processData(requests, traced));
  }

  override call(request: Buffer, options: CallOptions = {}): Promise<UnaryResult> {
    return this.traced(JINA_PATHS.call, options, (traced) => super.call(request, traced));
  }

  override async *streamDoc(request: Buffer, options: CallOptions = {}): AsyncGenerator<Buffer> {
    const { span, traced } = this.startSpan(JINA_PATHS.streamDoc, options);
    try {
      yield* super.streamDoc(request, traced);
      span.setAttribute('rpc.grpc.status_code', GrpcStatus.OK);
    } catch (error) {
      this.failed(span, error);
      throw error;
    } finally {
      span.end();
    }
  }

  private async traced(path: string, options: CallOptions, send: (traced: CallOptions) => Promise<UnaryResult>): Promise<UnaryResult> {
    const { span, traced } = this.startSpan(path, options);
    try {
      const result = await send(traced);
      span.setAttributes({ 'rpc.grpc.status_code': GrpcStatus.OK, 'server.address': result.address });
      if (result.isError) span.setStatus({ code: SpanStatusCode.ERROR, message: `executor "${this.name}" raised an error (returned in-band, gRPC OK)` });
      return result;
    } catch (error) {
      this.failed(span, error);
      throw error;
    } finally {
      span.end();
    }
  }

  /** The call's span, and the call options carrying its context in their metadata. */
  private startSpan(path: string, options: CallOptions): { span: Span; traced: CallOptions } {
    const [service, method] = path.slice(1).split('/') as [string, string];
    const span = this.tracing.tracer.startSpan(
      path,
      {
        kind: SpanKind.CLIENT,
        attributes: {
          'rpc.system': 'grpc',
          'rpc.service': service,
          'rpc.method': method,
          'jina.deployment': this.name,
          ...(options.endpoint === undefined ? {} : { 'jina.endpoint': options.endpoint }),
          ...(options.requestId === undefined ? {} : { 'jina.request_id': options.requestId }),
        },
      },
      context.active(),
    );
    const metadata: Record<string, string> = { ...options.metadata };
    this.tracing.propagator.inject(trace.setSpan(context.active(), span), metadata, {
      set: (carrier, key, value) => {
        carrier[key] = value;
      },
    });
    return { span, traced: { ...options, metadata } };
  }

  private failed(span: Span, error: unknown): void {
    const code = grpcCodeOf(error);
    if (code !== undefined) span.setAttribute('rpc.grpc.status_code', code);
    const details = (error as { details?: unknown } | null)?.details;
    const reason = typeof details === 'string' ? details : error instanceof Error ? error.message : String(error);
    span.setStatus({
      code: SpanStatusCode.ERROR,
      message: `executor "${this.name}"${code === undefined ? '' : ` failed with gRPC ${GrpcStatus[code] ?? code}`}: ${reason}`,
    });
    if (error instanceof Error) span.recordException(error);
  }
}

function grpcCodeOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}
