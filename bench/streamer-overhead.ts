/**
 * Streamer overhead: one hop through our GatewayStreamer vs a direct grpc-js call to the same
 * executor, side by side in one run; and, as a third subject, a direct call over the runtime's
 * own HTTP/2 unary channel (what the streamer's executor leg is made of), so the routing's own
 * cost shows apart from the transport's. The executor E (echo-executor.ts) runs in its own process;
 * both subjects run in this process, one after the other, and are measured the same way:
 * CPU time of this process per request (process.cpuUsage) and latency percentiles.
 *
 * The streamer path is what a gateway does with a request it forwards: decode the envelope,
 * plan the route, re-encode with the docs untouched, call, decode the response envelope,
 * rebuild routes and parameters, encode the response. The direct path sends the same bytes.
 *
 * A fourth subject is the streamer with `--monitoring`'s metrics (GatewayMetrics): the last
 * column is what measuring the request and its executor call adds to the streamer's CPU.
 *
 * The two subjects alternate in `--rounds` short slices of the same size, so the drift of a shared
 * machine (frequency, steal) falls on both alike; CPU and latencies are summed over all slices.
 * Pin the process to one core and E to the other:
 *
 *   taskset -c 0 node bench/dist/streamer-overhead.js [--requests 4000] [--rounds 20] [--concurrency 1,16] [--json out.json]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { Client, credentials, Metadata } from '@grpc/grpc-js';
import {
  dataContentFromDocList,
  decodeDataRequest,
  encodeDataRequest,
  encodeDocList,
  GatewayMetrics,
  GatewayStreamer,
  JINA_DEFAULT_GRPC_OPTIONS,
  UnaryChannel,
  NdArray,
  newRequestId,
  type Doc,
} from '@jina-ts/runtime';

interface Args {
  requests: number;
  rounds: number;
  concurrency: number[];
  json: string | undefined;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { requests: 4000, rounds: 20, concurrency: [1, 16], json: undefined };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[++i];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === '--requests') args.requests = Number(value);
    else if (flag === '--rounds') args.rounds = Number(value);
    else if (flag === '--concurrency') args.concurrency = value.split(',').map(Number);
    else if (flag === '--json') args.json = value;
    else throw new Error(`unknown option ${flag}`);
  }
  return args;
}

const PAYLOADS: Record<string, () => Doc[]> = {
  'S: 1 doc, 16 B text': () => [{ id: 'd0', text: 'sixteen bytes!!!' }],
  'M: 32 docs x 512-d f32': () =>
    Array.from({ length: 32 }, (_, i) => ({ id: `d${i}`, embedding: new NdArray(new Float32Array(512).fill(i), [512], '<f4') })),
  'L: 1 doc, 1 MiB f32': () => [{ id: 'd0', embedding: new NdArray(new Float32Array(262_144).fill(1), [262_144], '<f4') }],
};

function requestBytes(docs: Doc[]): Buffer {
  return encodeDataRequest({
    header: { requestId: newRequestId(), status: undefined, execEndpoint: '/echo' },
    parameters: {},
    routes: [],
    data: dataContentFromDocList(encodeDocList(docs)),
  });
}

async function startEcho(): Promise<{ child: ChildProcess; port: number }> {
  const script = fileURLToPath(new URL('./echo-executor.js', import.meta.url));
  // The executor on the other core, when the machine has one to spare.
  const pinned = os.cpus().length > 1;
  const child = pinned ? spawn('taskset', ['-c', '1', process.execPath, script, '0']) : spawn(process.execPath, [script, '0']);
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /ready (\d+)/.exec(out);
      if (match) resolve(Number(match[1]));
    });
    child.on('exit', (code) => reject(new Error(`echo executor exited with ${code}`)));
  });
  return { child, port };
}

interface Measurement {
  requests: number;
  cpuUsPerRequest: number;
  p50Ms: number;
  p99Ms: number;
  rps: number;
}

/** CPU, wall time and latencies of one subject, accumulated over its slices. */
class Tally {
  private cpuUs = 0;
  private wallMs = 0;
  private readonly latencies: number[] = [];

  async slice(requests: number, concurrency: number, send: () => Promise<unknown>): Promise<void> {
    let next = 0;
    const cpuStart = process.cpuUsage();
    const wallStart = process.hrtime.bigint();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next++ < requests) {
          const start = process.hrtime.bigint();
          await send();
          this.latencies.push(Number(process.hrtime.bigint() - start) / 1e6);
        }
      }),
    );
    this.wallMs += Number(process.hrtime.bigint() - wallStart) / 1e6;
    const cpu = process.cpuUsage(cpuStart);
    this.cpuUs += cpu.user + cpu.system;
  }

  result(): Measurement {
    const sorted = [...this.latencies].sort((a, b) => a - b);
    const pick = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
    return {
      requests: sorted.length,
      cpuUsPerRequest: this.cpuUs / sorted.length,
      p50Ms: pick(0.5),
      p99Ms: pick(0.99),
      rps: (sorted.length / this.wallMs) * 1000,
    };
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const { child, port } = await startEcho();
  const address = `127.0.0.1:${port}`;
  const identity = (value: Buffer) => value;
  const direct = new Client(address, credentials.createInsecure(), JINA_DEFAULT_GRPC_OPTIONS);
  const channel = new UnaryChannel({ target: address, tls: false });
  const streamer = new GatewayStreamer({
    graphDescription: { 'start-gateway': ['echo'], echo: ['end-gateway'] },
    deploymentsAddresses: { echo: [`grpc://${address}`] },
  });
  // the same streamer with --monitoring's metrics: what measuring requests and calls adds
  const metered = new GatewayStreamer({
    graphDescription: { 'start-gateway': ['echo'], echo: ['end-gateway'] },
    deploymentsAddresses: { echo: [`grpc://${address}`] },
    metrics: new GatewayMetrics({ runtimeName: 'gateway' }),
  });
  // the first request runs endpoint discovery, once
  await streamer.processRequest(decodeDataRequest(requestBytes([{ id: 'warm' }])));
  await metered.processRequest(decodeDataRequest(requestBytes([{ id: 'warm' }])));

  const rows: Record<string, unknown>[] = [];
  try {
    for (const [payload, makeDocs] of Object.entries(PAYLOADS)) {
      const bytes = requestBytes(makeDocs());
      const requests = payload.startsWith('L') ? Math.max(200, Math.floor(args.requests / 10)) : args.requests;
      const sendDirect = () =>
        new Promise<Buffer>((resolve, reject) => {
          const metadata = new Metadata();
          metadata.set('endpoint', '/echo');
          direct.makeUnaryRequest('/jina.JinaSingleDataRequestRPC/process_single_data', identity, identity, bytes, metadata, {}, (error, value) =>
            error ? reject(error) : resolve(value!),
          );
        });
      const sendChannel = async () =>
        (await channel.call('/jina.JinaSingleDataRequestRPC/process_single_data', bytes, { headers: { endpoint: '/echo' } })).message;
      const sendStreamer = async () => encodeDataRequest(await streamer.processRequest(decodeDataRequest(bytes), { raw: bytes }));
      const sendMetered = async () => encodeDataRequest(await metered.processRequest(decodeDataRequest(bytes), { raw: bytes }));
      // warm-up: JIT, connections, buffer pools
      for (let i = 0; i < 300; i++) await sendDirect();
      for (let i = 0; i < 300; i++) await sendChannel();
      for (let i = 0; i < 300; i++) await sendStreamer();
      for (let i = 0; i < 300; i++) await sendMetered();
      for (const concurrency of args.concurrency) {
        const direct = new Tally();
        const lean = new Tally();
        const through = new Tally();
        const measured = new Tally();
        const perSlice = Math.max(concurrency, Math.ceil(requests / args.rounds));
        for (let round = 0; round < args.rounds; round++) {
          await direct.slice(perSlice, concurrency, sendDirect);
          await lean.slice(perSlice, concurrency, sendChannel);
          await through.slice(perSlice, concurrency, sendStreamer);
          await measured.slice(perSlice, concurrency, sendMetered);
        }
        const d = direct.result();
        const c = lean.result();
        const s = through.result();
        const m = measured.result();
        rows.push({
          payload,
          bytes: bytes.length,
          concurrency,
          direct: d,
          channel: c,
          streamer: s,
          metered: m,
          monitoringAddedCpuPercent: (m.cpuUsPerRequest / s.cpuUsPerRequest - 1) * 100,
          addedCpuOverChannelPercent: (s.cpuUsPerRequest / c.cpuUsPerRequest - 1) * 100,
          cpuRatio: s.cpuUsPerRequest / d.cpuUsPerRequest,
          addedCpuPercent: (s.cpuUsPerRequest / d.cpuUsPerRequest - 1) * 100,
          addedP50Ms: s.p50Ms - d.p50Ms,
          addedP99Ms: s.p99Ms - d.p99Ms,
        });
      }
    }
  } finally {
    direct.close();
    channel.close();
    streamer.close();
    metered.close();
    child.kill('SIGTERM');
  }

  const fmt = (n: number, digits = 1) => n.toFixed(digits);
  console.log(`machine: ${os.cpus().length} x ${os.cpus()[0]?.model ?? '?'}, node ${process.version}; subjects alternating in ${args.rounds} slices`);
  console.log('| payload | conc | direct grpc-js CPU µs/req | direct h2 channel CPU µs/req | streamer CPU µs/req | added CPU vs grpc-js | added CPU vs h2 channel | grpc-js / h2 / streamer p50 ms | p99 ms | req/s | streamer --monitoring CPU µs/req (added) |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|');
  type Row = {
    payload: string;
    concurrency: number;
    direct: Measurement;
    channel: Measurement;
    streamer: Measurement;
    metered: Measurement;
    addedCpuPercent: number;
    addedCpuOverChannelPercent: number;
    monitoringAddedCpuPercent: number;
  };
  for (const row of rows as Row[]) {
    const three = (pick: (m: Measurement) => number, digits: number) => [row.direct, row.channel, row.streamer].map((m) => fmt(pick(m), digits)).join(' / ');
    console.log(
      `| ${row.payload} | ${row.concurrency} | ${fmt(row.direct.cpuUsPerRequest)} | ${fmt(row.channel.cpuUsPerRequest)} | ${fmt(row.streamer.cpuUsPerRequest)} | ` +
        `${fmt(row.addedCpuPercent)}% | ${fmt(row.addedCpuOverChannelPercent)}% | ${three((m) => m.p50Ms, 3)} | ${three((m) => m.p99Ms, 3)} | ${three((m) => m.rps, 0)} | ` +
        `${fmt(row.metered.cpuUsPerRequest)} (${fmt(row.monitoringAddedCpuPercent)}%) |`,
    );
  }
  if (args.json) writeFileSync(args.json, JSON.stringify({ node: process.version, cpus: os.cpus().length, rows }, null, 2));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
