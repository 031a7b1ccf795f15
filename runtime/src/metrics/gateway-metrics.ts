/**
 * `--monitoring`: the gateway's Prometheus metrics, in a registry of its own (never prom-client's
 * global one, so two gateways in one process, or the user's own metrics, do not collide).
 *
 * Jina's gateway metrics keep Jina's names and its one label, `runtime_name` (the gateway's
 * `--name`), so dashboards written for Jina's gateway keep working
 * (jina/serve/runtimes/monitoring.py, jina/serve/networking/__init__.py):
 *
 *   jina_receiving_request_seconds      time from a request's arrival to its successful response
 *   jina_number_of_pending_requests     requests in flight
 *   jina_successful_requests_total      requests answered without an executor error
 *   jina_failed_requests_total          requests failed: an executor raised, or a call failed
 *   jina_sending_request_seconds        time of one executor call (retries included)
 *   jina_sent_request_bytes             bytes of the request sent in one executor call
 *   jina_received_response_bytes        bytes of each response received from an executor
 *
 * They are histograms where Jina has summaries: quantiles of a summary cannot be aggregated over
 * replicas, a histogram's buckets can (`histogram_quantile(0.99, sum by (le) (rate(..._bucket[1m])))`).
 * Jina's `jina_received_request_bytes` / `jina_sent_response_bytes` are not kept: the HTTP front
 * never serializes the client's request as one protobuf message, so there is no honest byte count
 * to give; the executor-side byte metrics above carry the payload sizes.
 *
 * Ours, named `jina_ts_*`, add what Jina's lack, by deployment and endpoint:
 *
 *   jina_ts_endpoint_request_seconds{endpoint, outcome}      every request, by endpoint (`outcome`:
 *       ok | executor_error | failed); an endpoint no executor serves is counted as `(unknown)`,
 *       so that a client inventing endpoints cannot grow the label set
 *   jina_ts_executor_request_seconds{deployment}             every executor call, by deployment
 *   jina_ts_executor_errors_total{deployment, code}          failed calls by gRPC code name, and
 *       `EXECUTOR_ERROR` for a call the executor answered with its error (gRPC OK, in-band)
 *
 * Children of labelled metrics are looked up once per label value and kept: `observe` on a kept
 * child is a few array updates, which is what keeps the cost per request small (see BENCHMARKS.md).
 */
import { status as GrpcStatus } from '@grpc/grpc-js';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** A histogram's series for `runtimeName`, there from the start with every bucket at zero. */
function zeroed(histogram: Histogram<'runtime_name'>, runtimeName: string): Histogram.Internal<string> {
  histogram.zero({ runtime_name: runtimeName });
  return histogram.labels(runtimeName);
}

/** Seconds: from a quarter millisecond (a gateway hop on loopback) to a minute. */
const SECONDS_BUCKETS = [0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
/** Bytes: 256 B to 64 MiB, by fours. */
const BYTES_BUCKETS = [256, 1024, 4096, 16_384, 65_536, 262_144, 1_048_576, 4_194_304, 16_777_216, 67_108_864];

export const UNKNOWN_ENDPOINT = '(unknown)';

export type RequestOutcome = 'ok' | 'executor_error' | 'failed';

/** One request being served: end it once, with how it ended. */
export interface RequestMeasurement {
  end(outcome: RequestOutcome): void;
}

/** One executor call being made: end it once, with the bytes received or the failure. */
export interface ExecutorCallMeasurement {
  /** A response (or a streamed one) of `bytes` bytes arrived. */
  received(bytes: number): void;
  /** The call ended; `errorCode`: the gRPC code it failed with, or EXECUTOR_ERROR for an in-band error. */
  end(errorCode?: number | typeof EXECUTOR_ERROR): void;
}

export const EXECUTOR_ERROR = 'EXECUTOR_ERROR';

export interface GatewayMetricsOptions {
  /** Jina's `runtime_name` label: the gateway's `--name` (default `gateway`). */
  readonly runtimeName: string;
  /** Whether an endpoint is one some executor serves (else it is counted as `(unknown)`). */
  readonly isKnownEndpoint?: (endpoint: string) => boolean;
}

export class GatewayMetrics {
  /** Everything the monitoring port serves; a custom gateway may register its own metrics here. */
  readonly registry = new Registry();
  private readonly receiving: Histogram.Internal<string>;
  private readonly pending: Gauge.Internal<string>;
  private readonly successful: Counter.Internal;
  private readonly failed: Counter.Internal;
  private readonly sendingSeconds: Histogram.Internal<string>;
  private readonly sentBytes: Histogram.Internal<string>;
  private readonly receivedBytes: Histogram.Internal<string>;
  private readonly byEndpoint: Histogram<'runtime_name' | 'endpoint' | 'outcome'>;
  private readonly byDeployment: Histogram<'runtime_name' | 'deployment'>;
  private readonly executorErrors: Counter<'runtime_name' | 'deployment' | 'code'>;
  private readonly endpointChildren = new Map<string, Histogram.Internal<string>>();
  private readonly deploymentChildren = new Map<string, Histogram.Internal<string>>();
  private readonly runtimeName: string;
  private isKnownEndpoint: (endpoint: string) => boolean;

  constructor(options: GatewayMetricsOptions) {
    this.runtimeName = options.runtimeName;
    this.isKnownEndpoint = options.isKnownEndpoint ?? (() => true);
    const registers = [this.registry];
    const runtime = ['runtime_name'] as const;
    const name = this.runtimeName;
    this.receiving = zeroed(new Histogram({
      name: 'jina_receiving_request_seconds',
      help: 'Time spent processing successful request',
      labelNames: runtime,
      buckets: SECONDS_BUCKETS,
      registers,
    }), name);
    this.pending = new Gauge({ name: 'jina_number_of_pending_requests', help: 'Number of pending requests', labelNames: runtime, registers }).labels(name);
    this.failed = new Counter({ name: 'jina_failed_requests_total', help: 'Number of failed requests', labelNames: runtime, registers }).labels(name);
    this.successful = new Counter({ name: 'jina_successful_requests_total', help: 'Number of successful requests', labelNames: runtime, registers }).labels(name);
    this.sendingSeconds = zeroed(new Histogram({
      name: 'jina_sending_request_seconds',
      help: 'Time spent between sending a request to the Executor/Head and receiving the response',
      labelNames: runtime,
      buckets: SECONDS_BUCKETS,
      registers,
    }), name);
    this.receivedBytes = zeroed(new Histogram({
      name: 'jina_received_response_bytes',
      help: 'Size in bytes of the response returned from the Head/Executor',
      labelNames: runtime,
      buckets: BYTES_BUCKETS,
      registers,
    }), name);
    this.sentBytes = zeroed(new Histogram({
      name: 'jina_sent_request_bytes',
      help: 'Size in bytes of the request sent to the Head/Executor',
      labelNames: runtime,
      buckets: BYTES_BUCKETS,
      registers,
    }), name);
    this.byEndpoint = new Histogram({
      name: 'jina_ts_endpoint_request_seconds',
      help: 'Time from arrival to response of every request, by endpoint and outcome (ok, executor_error, failed)',
      labelNames: ['runtime_name', 'endpoint', 'outcome'],
      buckets: SECONDS_BUCKETS,
      registers,
    });
    this.byDeployment = new Histogram({
      name: 'jina_ts_executor_request_seconds',
      help: 'Time of every executor call (retries included), by deployment',
      labelNames: ['runtime_name', 'deployment'],
      buckets: SECONDS_BUCKETS,
      registers,
    });
    this.executorErrors = new Counter({
      name: 'jina_ts_executor_errors_total',
      help: 'Executor calls that failed, by deployment and gRPC code (EXECUTOR_ERROR: the executor raised, answered in-band)',
      labelNames: ['runtime_name', 'deployment', 'code'],
      registers,
    });
    // Jina's series exist from the start, at zero (prom-client writes a labelled series once it has a value)
    this.pending.set(0);
    this.failed.inc(0);
    this.successful.inc(0);
  }

  /** Where endpoint names are checked against once the Flow's endpoints are known (the streamer sets it). */
  knowEndpointsBy(isKnownEndpoint: (endpoint: string) => boolean): void {
    this.isKnownEndpoint = isKnownEndpoint;
  }

  /** A request arrived (Jina: `_update_start_request_metrics`). */
  startRequest(endpoint: string): RequestMeasurement {
    const started = performance.now();
    this.pending.inc();
    let ended = false;
    return {
      end: (outcome) => {
        if (ended) return;
        ended = true;
        const seconds = (performance.now() - started) / 1000;
        this.pending.dec();
        if (outcome === 'ok') {
          this.successful.inc();
          this.receiving.observe(seconds);
        } else {
          this.failed.inc();
        }
        this.endpointChild(endpoint, outcome).observe(seconds);
      },
    };
  }

  /** An executor call of `requestBytes` bytes is sent to `deployment`. */
  startExecutorCall(deployment: string, requestBytes: number): ExecutorCallMeasurement {
    const started = performance.now();
    this.sentBytes.observe(requestBytes);
    let ended = false;
    return {
      received: (bytes) => this.receivedBytes.observe(bytes),
      end: (errorCode) => {
        if (ended) return;
        ended = true;
        const seconds = (performance.now() - started) / 1000;
        this.sendingSeconds.observe(seconds);
        this.deploymentChild(deployment).observe(seconds);
        if (errorCode !== undefined) {
          const code = errorCode === EXECUTOR_ERROR ? EXECUTOR_ERROR : (GrpcStatus[errorCode] ?? String(errorCode));
          this.executorErrors.inc({ runtime_name: this.runtimeName, deployment, code });
        }
      },
    };
  }

  /** The Prometheus text exposition of every metric in the registry. */
  exposition(): Promise<string> {
    return this.registry.metrics();
  }

  private endpointChild(endpoint: string, outcome: RequestOutcome): Histogram.Internal<string> {
    const label = this.isKnownEndpoint(endpoint) ? endpoint : UNKNOWN_ENDPOINT;
    const key = `${outcome}\u0000${label}`;
    let child = this.endpointChildren.get(key);
    if (child === undefined) {
      child = this.byEndpoint.labels({ runtime_name: this.runtimeName, endpoint: label, outcome });
      this.endpointChildren.set(key, child);
    }
    return child;
  }

  private deploymentChild(deployment: string): Histogram.Internal<string> {
    let child = this.deploymentChildren.get(deployment);
    if (child === undefined) {
      child = this.byDeployment.labels({ runtime_name: this.runtimeName, deployment });
      this.deploymentChildren.set(deployment, child);
    }
    return child;
  }
}
