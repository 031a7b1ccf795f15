/**
 * Counters, gauges and histograms whose series record into plain numbers and are turned into
 * prom-client's metric form only when scraped. They register on a prom-client Registry like its
 * own metrics, so exposition (text format, escaping) and cluster aggregation stay prom-client's.
 *
 * Why not prom-client's own classes on the request path: each of their calls validates the
 * labels, hashes them into a string key and looks the series up, even on a child from
 * `labels()`; nine such calls per request cost 7.5 % of the gateway's CPU per request in the
 * gateway benchmark (BENCHMARKS.md, "Metrics cost"). A series here is an object kept by the
 * caller: recording is an add, or a bucket search and three adds.
 */
import type { Registry } from 'prom-client';

type Labels = Readonly<Record<string, string>>;

interface MetricValue {
  value: number;
  labels: Record<string, string | number>;
  metricName?: string;
}

/** What prom-client's Registry reads of a metric: `get()` at scrape time. */
abstract class RecordedMetric<Series> {
  readonly aggregator = 'sum';
  private readonly series = new Map<string, { labels: Labels; series: Series }>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: 'counter' | 'gauge' | 'histogram',
    registry: Registry,
  ) {
    // prom-client reads metrics structurally (name, help, type, get, aggregator)
    registry.registerMetric(this as unknown as Parameters<Registry['registerMetric']>[0]);
  }

  /** The series of `labels`, made on first use; keep it to record without a lookup. */
  with(labels: Labels): Series {
    const key = JSON.stringify(Object.entries(labels));
    let entry = this.series.get(key);
    if (entry === undefined) {
      entry = { labels: { ...labels }, series: this.create() };
      this.series.set(key, entry);
    }
    return entry.series;
  }

  async get(): Promise<{ name: string; help: string; type: string; values: MetricValue[]; aggregator: string }> {
    const values: MetricValue[] = [];
    for (const { labels, series } of this.series.values()) this.export(labels, series, values);
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  /** Every series back to zero (prom-client's `registry.resetMetrics()`). */
  reset(): void {
    for (const entry of this.series.values()) entry.series = this.create();
  }

  protected abstract create(): Series;
  protected abstract export(labels: Labels, series: Series, into: MetricValue[]): void;
}

export class CounterSeries {
  value = 0;
  inc(by = 1): void {
    this.value += by;
  }
}

export class RecordedCounter extends RecordedMetric<CounterSeries> {
  constructor(name: string, help: string, registry: Registry) {
    super(name, help, 'counter', registry);
  }
  protected create(): CounterSeries {
    return new CounterSeries();
  }
  protected export(labels: Labels, series: CounterSeries, into: MetricValue[]): void {
    into.push({ labels: { ...labels }, value: series.value });
  }
}

export class GaugeSeries {
  value = 0;
  inc(): void {
    this.value++;
  }
  dec(): void {
    this.value--;
  }
}

export class RecordedGauge extends RecordedMetric<GaugeSeries> {
  constructor(name: string, help: string, registry: Registry) {
    super(name, help, 'gauge', registry);
  }
  protected create(): GaugeSeries {
    return new GaugeSeries();
  }
  protected export(labels: Labels, series: GaugeSeries, into: MetricValue[]): void {
    into.push({ labels: { ...labels }, value: series.value });
  }
}

export class HistogramSeries {
  /** Observations per bucket (not cumulative); the last one is +Inf. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(private readonly upperBounds: readonly number[]) {
    this.counts = new Float64Array(upperBounds.length + 1);
  }

  observe(value: number): void {
    const bounds = this.upperBounds;
    let bucket = 0;
    while (bucket < bounds.length && value > bounds[bucket]!) bucket++;
    this.counts[bucket]!++;
    this.sum += value;
    this.count++;
  }
}

export class RecordedHistogram extends RecordedMetric<HistogramSeries> {
  constructor(
    name: string,
    help: string,
    private readonly upperBounds: readonly number[],
    registry: Registry,
  ) {
    super(name, help, 'histogram', registry);
  }
  protected create(): HistogramSeries {
    return new HistogramSeries(this.upperBounds);
  }
  protected export(labels: Labels, series: HistogramSeries, into: MetricValue[]): void {
    let cumulative = 0;
    for (let bucket = 0; bucket <= this.upperBounds.length; bucket++) {
      cumulative += series.counts[bucket]!;
      into.push({ labels: { le: bucket < this.upperBounds.length ? this.upperBounds[bucket]! : '+Inf', ...labels }, value: cumulative, metricName: `${this.name}_bucket` });
    }
    into.push({ labels: { ...labels }, value: series.sum, metricName: `${this.name}_sum` });
    into.push({ labels: { ...labels }, value: series.count, metricName: `${this.name}_count` });
  }
}
