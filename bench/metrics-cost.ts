/**
 * What `--monitoring` adds to one request, in CPU time, measured in-process where a loaded
 * 2-core machine cannot blur it: the metric operations the gateway makes for one request through
 * a one-executor Flow (GatewayMetrics: the request measured, one executor call measured with its
 * bytes), repeated `--iterations` times, against the same operations on prom-client's own
 * Histogram / Counter / Gauge children (what recorded-metrics.ts replaces). The share of a
 * request is against `--request-us`, the gateway's CPU per request from the gateway benchmark
 * (D, S payload, BENCHMARKS.md), given rather than assumed.
 *
 *   node bench/dist/metrics-cost.js [--iterations 1000000] [--rounds 5] [--request-us 96] [--json out.json]
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { GatewayMetrics } from '@jina-ts/runtime';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { median } from './median.js';

interface Args {
  iterations: number;
  rounds: number;
  requestUs: number;
  json: string | undefined;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { iterations: 1_000_000, rounds: 5, requestUs: 96, json: undefined };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[++i];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === '--iterations') args.iterations = Number(value);
    else if (flag === '--rounds') args.rounds = Number(value);
    else if (flag === '--request-us') args.requestUs = Number(value);
    else if (flag === '--json') args.json = value;
    else throw new Error(`unknown option ${flag}`);
  }
  return args;
}

/** One request's metric operations with GatewayMetrics (what the streamer and the metered client do). */
function oursPerRequest(metrics: GatewayMetrics): () => void {
  return () => {
    const request = metrics.startRequest('/echo');
    const call = metrics.startExecutorCall('worker', 180);
    call.received(200);
    call.end();
    request.end('ok');
  };
}

/** The same operations on prom-client's children (labels() once, kept). */
function promClientPerRequest(): () => void {
  const registers = [new Registry()];
  const runtime = ['runtime_name'];
  const seconds = (name: string) => new Histogram({ name, help: name, labelNames: runtime, registers }).labels('gateway');
  const receiving = seconds('receiving');
  const sending = seconds('sending');
  const sentBytes = seconds('sent_bytes');
  const receivedBytes = seconds('received_bytes');
  const byEndpoint = new Histogram({ name: 'by_endpoint', help: 'x', labelNames: ['runtime_name', 'endpoint', 'outcome'], registers }).labels('gateway', '/echo', 'ok');
  const byDeployment = new Histogram({ name: 'by_deployment', help: 'x', labelNames: ['runtime_name', 'deployment'], registers }).labels('gateway', 'worker');
  const pending = new Gauge({ name: 'pending', help: 'x', labelNames: runtime, registers }).labels('gateway');
  const successful = new Counter({ name: 'successful', help: 'x', labelNames: runtime, registers }).labels('gateway');
  return () => {
    const started = performance.now();
    pending.inc();
    const callStarted = performance.now();
    sentBytes.observe(180);
    receivedBytes.observe(200);
    const callSeconds = (performance.now() - callStarted) / 1000;
    sending.observe(callSeconds);
    byDeployment.observe(callSeconds);
    const requestSeconds = (performance.now() - started) / 1000;
    pending.dec();
    successful.inc();
    receiving.observe(requestSeconds);
    byEndpoint.observe(requestSeconds);
  };
}

function nsPerCall(run: () => void, iterations: number): number {
  for (let i = 0; i < 10_000; i++) run(); // warm-up: optimized before timing
  const started = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) run();
  return Number(process.hrtime.bigint() - started) / iterations;
}

const args = parseArgs(process.argv.slice(2));
const metrics = new GatewayMetrics({ runtimeName: 'gateway' });
const subjects = { ours: oursPerRequest(metrics), promClient: promClientPerRequest() };
const rounds: Record<keyof typeof subjects, number[]> = { ours: [], promClient: [] };
for (let round = 0; round < args.rounds; round++) {
  for (const [name, run] of Object.entries(subjects) as [keyof typeof subjects, () => void][]) rounds[name].push(nsPerCall(run, args.iterations));
}
const ours = median(rounds.ours);
const promClient = median(rounds.promClient);
const share = (ns: number) => `${((ns / 1000 / args.requestUs) * 100).toFixed(2)}%`;
console.log(
  `machine: ${os.cpus().length} x ${os.cpus()[0]?.model ?? '?'}, node ${process.version}; ${args.rounds} rounds x ${args.iterations} requests' metric operations, medians; ` +
    `share of a request against ${args.requestUs} CPU-µs/request (gateway D, S payload)`,
);
console.log('| metric operations of one request | ns | share of the request |');
console.log('|---|---|---|');
console.log(`| GatewayMetrics (recorded-metrics.ts) | ${ours.toFixed(0)} | ${share(ours)} |`);
console.log(`| the same on prom-client's Histogram/Counter/Gauge children | ${promClient.toFixed(0)} | ${share(promClient)} |`);
if (args.json) writeFileSync(args.json, JSON.stringify({ node: process.version, cpus: os.cpus().length, args, nsPerRequest: { ours, promClient }, rounds }, null, 2));
