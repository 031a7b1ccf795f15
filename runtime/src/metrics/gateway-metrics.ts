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
 * Series are recorded into plain numbers (recorded-metrics.ts) and looked up once per label value,
 * which is what keeps the cost per request small (see BENCHMARKS.md, "Metrics cost").
 */
import { status as GrpcStatus } from '@grpc/grpc-js';
import { Registry } from 'prom-client';
import {
  type CounterSeries,
  type GaugeSeries,
  type HistogramSeries,
  RecordedCounter,
  RecordedGauge,
  RecordedHistogram,
} from './recorded-metrics.js';

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
  private readonly receiving: HistogramSeries;
  private readonly pending: GaugeSeries;
  private readonly successful: CounterSeries;
  private readonly failed: CounterSeries;
  private readonly sendingSeconds: HistogramSeries;
  private readonly sentBytes: HistogramSeries;
  private readonly receivedBytes: HistogramSeries;
  private readonly byEndpoint: RecordedHistogram;
  private readonly byDeployment: RecordedHistogram;
  private readonly executorErrors: RecordedCounter;
  private readonly endpointSeries = new Map<string, HistogramSeries>();
  private readonly deploymentSeries = new Map<string, HistogramSeries>();
  private readonly runtimeName: string;
  private isKnownEndpoint: (endpoint: string) => boolean;

  constructor(options: GatewayMetricsOptions) {
    this.runtimeName = options.runtimeName;
    this.isKnownEndpoint = options.isKnownEndpoint ?? (() => true);
    const registry = this.registry;
    // Jina's series exist from the start, at zero, as prometheus_client writes them
    const runtime = { runtime_name: this.runtimeName };
    this.receiving = new RecordedHistogram('jina_receiving_request_seconds', 'Time spent processing successful request', SECONDS_BUCKETS, registry).with(runtime);
    this.pending = new RecordedGauge('jina_number_of_pending_requests', 'Number of pending requests', registry).with(runtime);
    this.failed = new RecordedCounter('jina_failed_requests_total', 'Number of failed requests', registry).with(runtime);
    this.successful = new RecordedCounter('jina_successful_requests_total', 'Number of successful requests', registry).with(runtime);
    this.sendingSeconds = new RecordedHistogram(
      'jina_sending_request_seconds',
      'Time spent between sending a request to the Executor/Head and receiving the response',
      SECONDS_BUCKETS,
      registry,
    ).with(runtime);
    this.receivedBytes = new RecordedHistogram('jina_received_response_bytes', 'Size in bytes of the response returned from the Head/Executor', BYTES_BUCKETS, registry).with(runtime);
    this.sentBytes = new RecordedHistogram('jina_sent_request_bytes', 'Size in bytes of the request sent to the Head/Executor', BYTES_BUCKETS, registry).with(runtime);
    this.byEndpoint = new RecordedHistogram(
      'jina_ts_endpoint_request_seconds',
      'Time from arrival to response of every request, by endpoint and outcome (ok, executor_error, failed)',
      SECONDS_BUCKETS,
      registry,
    );
    this.byDeployment = new RecordedHistogram('jina_ts_executor_request_seconds', 'Time of every executor call (retries included), by deployment', SECONDS_BUCKETS, registry);
    this.executorErrors = new RecordedCounter(
      'jina_ts_executor_errors_total',
      'Executor calls that failed, by deployment and gRPC code (EXECUTOR_ERROR: the executor raised, answered in-band)',
      registry,
    );
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
          // failures are rare: a lookup per failure is fine
          this.executorErrors.with({ runtime_name: this.runtimeName, deployment, code }).inc();
        }
      },
    };
  }

  /** The Prometheus text exposition of every metric in the registry. */
  exposition(): Promise<string> {
    return this.registry.metrics();
  }

  private endpointChild(endpoint: string, outcome: RequestOutcome): HistogramSeries {
    const label = this.isKnownEndpoint(endpoint) ? endpoint : UNKNOWN_ENDPOINT;
    const key = `${outcome}\u0000${label}`;
    let series = this.endpointSeries.get(key);
    if (series === undefined) {
      series = this.byEndpoint.with({ runtime_name: this.runtimeName, endpoint: label, outcome });
      this.endpointSeries.set(key, series);
    }
    return series;
  }

  private deploymentChild(deployment: string): HistogramSeries {
    let series = this.deploymentSeries.get(deployment);
    if (series === undefined) {
      series = this.byDeployment.with({ runtime_name: this.runtimeName, deployment });
      this.deploymentSeries.set(deployment, series);
    }
    return series;
  }
}
