/**
 * `--monitoring` with `--workers N`: one /metrics for the whole gateway. Each worker keeps its
 * metrics and hands them to the supervisor when asked (prom-client's cluster protocol over the
 * node:cluster IPC channel); the supervisor serves `--port-monitoring` and answers a scrape with
 * the workers' metrics added up (counters, histogram buckets, the pending-requests gauge), so a
 * scrape sees the gateway rather than whichever worker the connection reached.
 */
import { AggregatorRegistry, type Registry } from 'prom-client';
import type { MetricsSource } from './monitoring-server.js';

/** In a worker: the supervisor's scrapes collect `registry`. */
export function shareMetricsWithSupervisor(registry: Registry): void {
  AggregatorRegistry.setRegistries([registry]);
  // constructing one is what makes prom-client answer the supervisor's requests (its listeners)
  new AggregatorRegistry();
}

/** In the supervisor: every live worker's metrics, added up. */
export function workersMetrics(): MetricsSource {
  const aggregator = new AggregatorRegistry();
  return { contentType: aggregator.contentType, collect: () => aggregator.clusterMetrics() };
}
