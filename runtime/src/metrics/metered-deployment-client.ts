/**
 * `--monitoring` on executor calls: a DeploymentClient class whose data calls (process_single_data,
 * process_data, Call, stream_doc) are measured in the gateway's metrics: bytes sent, bytes of each
 * response, the call's time (retries included) and, when it fails, its gRPC code; an in-band
 * executor error counts as EXECUTOR_ERROR. A mixin, so that it composes with the traced client
 * (`--tracing` and `--monitoring` together): measured outside, the span inside.
 */
import { type CallOptions, DeploymentClient, type UnaryResult } from '../executor/deployment-client.js';
import { EXECUTOR_ERROR, type ExecutorCallMeasurement, type GatewayMetrics } from './gateway-metrics.js';

// A mixin's base must be constructible with any arguments (TypeScript's rule for mixins).
type DeploymentClientClass = new (...args: any[]) => DeploymentClient;

export function meteredDeploymentClient<Base extends DeploymentClientClass>(Base: Base, metrics: GatewayMetrics): Base {
  return class MeteredDeploymentClient extends Base {
    override processSingleData(request: Buffer, options?: CallOptions): Promise<UnaryResult> {
      return measured(metrics.startExecutorCall(this.name, request.length), super.processSingleData(request, options));
    }

    override processData(requests: readonly Buffer[], options?: CallOptions): Promise<UnaryResult> {
      const bytes = requests.reduce((sum, request) => sum + request.length, 0);
      return measured(metrics.startExecutorCall(this.name, bytes), super.processData(requests, options));
    }

    override call(request: Buffer, options?: CallOptions): Promise<UnaryResult> {
      return measured(metrics.startExecutorCall(this.name, request.length), super.call(request, options));
    }

    override async *streamDoc(request: Buffer, options?: CallOptions): AsyncGenerator<Buffer> {
      const measurement = metrics.startExecutorCall(this.name, request.length);
      let failure: number | undefined;
      try {
        for await (const response of super.streamDoc(request, options)) {
          measurement.received(response.length);
          yield response;
        }
      } catch (error) {
        failure = grpcCodeOf(error);
        throw error;
      } finally {
        // a consumer that stops reading early ends the stream here too: not a failure
        measurement.end(failure);
      }
    }
  };
}

async function measured(measurement: ExecutorCallMeasurement, call: Promise<UnaryResult>): Promise<UnaryResult> {
  try {
    const result = await call;
    measurement.received(result.response.length);
    measurement.end(result.isError ? EXECUTOR_ERROR : undefined);
    return result;
  } catch (error) {
    measurement.end(grpcCodeOf(error));
    throw error;
  }
}

/** The gRPC code of a failed call; UNKNOWN (2) when the error carries none. */
function grpcCodeOf(error: unknown): number {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : 2;
}
