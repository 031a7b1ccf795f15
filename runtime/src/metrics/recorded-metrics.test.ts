/**
 * The recorded metrics write the same exposition as prom-client's own Counter, Gauge and Histogram
 * given the same observations (prom-client is the reference), hostile label values included, and
 * add up over registries as prom-client's cluster aggregation does.
 */
import fc from 'fast-check';
import { AggregatorRegistry, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { fuzzRuns, fuzzSeed } from '../../../test/support/hostile-names.js';
import { RecordedCounter, RecordedGauge, RecordedHistogram } from './recorded-metrics.js';

const BOUNDS = [0.001, 0.01, 0.1, 1, 10];

function ours(observations: readonly number[], label: string): Registry {
  const registry = new Registry();
  const histogram = new RecordedHistogram('h_seconds', 'a histogram', BOUNDS, registry).with({ runtime_name: label });
  const counter = new RecordedCounter('c_total', 'a counter', registry).with({ runtime_name: label });
  const gauge = new RecordedGauge('g', 'a gauge', registry).with({ runtime_name: label });
  for (const value of observations) {
    histogram.observe(value);
    counter.inc();
    gauge.inc();
  }
  gauge.dec();
  return registry;
}

function reference(observations: readonly number[], label: string): Registry {
  const registry = new Registry();
  const registers = [registry];
  const histogram = new Histogram({ name: 'h_seconds', help: 'a histogram', labelNames: ['runtime_name'], buckets: BOUNDS, registers });
  const counter = new Counter({ name: 'c_total', help: 'a counter', labelNames: ['runtime_name'], registers });
  const gauge = new Gauge({ name: 'g', help: 'a gauge', labelNames: ['runtime_name'], registers });
  histogram.zero({ runtime_name: label });
  counter.inc({ runtime_name: label }, 0);
  gauge.set({ runtime_name: label }, 0);
  for (const value of observations) {
    histogram.observe({ runtime_name: label }, value);
    counter.inc({ runtime_name: label });
    gauge.inc({ runtime_name: label });
  }
  gauge.dec({ runtime_name: label });
  return registry;
}

describe('recorded metrics', () => {
  it('expose what prom-client exposes for the same observations and labels', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(fc.double({ min: 0, max: 100, noNaN: true }), fc.constantFrom(0, 0.001, 0.01, 1, 10, 10.5)), { maxLength: 50 }),
        fc.oneof(fc.string(), fc.constantFrom('gateway', 'a"b', 'back\\slash', 'new\nline', '{x="y"}')),
        async (observations, label) => {
          expect(await ours(observations, label).metrics()).toBe(await reference(observations, label).metrics());
        },
      ),
      { numRuns: fuzzRuns(50), seed: fuzzSeed() },
    );
  });

  it('add up over registries as prom-client\'s cluster aggregation does', async () => {
    const parts = [ours([0.005, 2], 'gw'), ours([0.5], 'gw')];
    const references = [reference([0.005, 2], 'gw'), reference([0.5], 'gw')];
    const summed = AggregatorRegistry.aggregate(await Promise.all(parts.map((r) => r.getMetricsAsJSON())));
    const expected = AggregatorRegistry.aggregate(await Promise.all(references.map((r) => r.getMetricsAsJSON())));
    expect(await summed.metrics()).toBe(await expected.metrics());
    expect(await summed.metrics()).toContain('h_seconds_count{runtime_name="gw"} 3');
  });
});
