/**
 * Faults under load: the built-in HTTP gateway (`startGateway`, as the command line starts it) in
 * front of our TypeScript executor server, `--clients` clients POSTing in a closed loop while a
 * fault is injected again and again; the same scenarios as test/faults.test.ts, longer, counted:
 *
 *   restart  the executor closed (`close(0)`), down for `--down-ms`, served again on the same port;
 *            `--cycles` times. "first 200" = ms from the executor's return (serveExecutor resolved)
 *            to the next 200 the clients get; our gateway has no reconnect backoff (a failed call
 *            resets the connection, the next call dials at once), so this is the dial + one call.
 *   slow     half the clients on `/slow` (sleeps 2 s) with `--timeout-send 300`, half on `/x`.
 *   cut      a TCP proxy between gateway and executor destroys the connection 1,000 bytes of
 *            responses after being armed, every 250 ms (`--cycles` × 4 cuts).
 *   kill     the executor as a process of its own (bench/fault-executor.ts) SIGKILLed, down for
 *            `--down-ms`, started again on the same port; `--cycles` times. "first 200" = ms from
 *            the new process's `ready` line to the next 200.
 *   goaway-age       the executor with grpc-js's `grpc.max_connection_age_ms` `--max-age-ms`
 *            (200): it says GOAWAY (2^31-1, then the real last stream id) on every connection that
 *            old, for `--cycles` seconds; through bench/goaway-proxy.ts, which only counts here.
 *   goaway-graceful / goaway-double / goaway-error / goaway-calm   bench/goaway-proxy.ts tells the
 *            gateway's connection GOAWAY every 100 ms for `--cycles` seconds: NO_ERROR with the
 *            last stream id; 2^31-1 and a PING, then the real id; INTERNAL_ERROR, or
 *            ENHANCE_YOUR_CALM, then the connection closed.
 *
 * Each scenario runs with `--retries 0` and with retries (-1 for restart and kill: max(3, replicas)
 * = 3; 1 for cut and the GOAWAYs). Every answer is counted: 200, 502/503/504 naming the deployment, other (any other
 * status or a fetch error), lost (no answer within 10 s: a hang). Socket fds of this process are
 * counted before, at the peak (sampled every 100 ms) and after each scenario (everything closed),
 * to see leaks, and unhandled rejections are counted. Everything runs in this one process (counts,
 * not throughput).
 *
 *   node bench/dist/faults.js [--clients 16] [--cycles 5] [--down-ms 500] [--max-age-ms 200]
 *                             [--only kill,goaway-graceful,...] [--transport grpc-js] [--json out.json]
 *
 * `--transport grpc-js` runs every gateway with `--executor-transport grpc-js`; the proxy's GOAWAY
 * scenarios are then unsound (see goaway-proxy.ts: nghttp2's HPACK keeps a dynamic table).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { type ExecutorServer, startGateway } from '@jina-ts/runtime';
import { FAULT_DEPLOYMENT, serveFaultExecutor } from './fault-executor.js';
import { type LoadCounts, startCuttingProxy, startLoad } from './fault-load.js';
import { type GoawayMode, startGoawayProxy } from './goaway-proxy.js';

const SCENARIOS = ['restart', 'slow', 'cut', 'kill', 'goaway-age', 'goaway-graceful', 'goaway-double', 'goaway-error', 'goaway-calm'] as const;
type Scenario = (typeof SCENARIOS)[number];

interface Args {
  clients: number;
  cycles: number;
  downMs: number;
  maxAgeMs: number;
  only: Scenario[];
  /** --executor-transport of every gateway; undefined: the default (own). */
  transport: string | undefined;
  json: string | undefined;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { clients: 16, cycles: 5, downMs: 500, maxAgeMs: 200, only: [...SCENARIOS], transport: undefined, json: undefined };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[++i];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === '--clients') args.clients = Number(value);
    else if (flag === '--cycles') args.cycles = Number(value);
    else if (flag === '--down-ms') args.downMs = Number(value);
    else if (flag === '--max-age-ms') args.maxAgeMs = Number(value);
    else if (flag === '--only') {
      const names = value.split(',').map((name) => name.trim());
      for (const name of names) if (!(SCENARIOS as readonly string[]).includes(name)) throw new Error(`unknown scenario ${name} (one of ${SCENARIOS.join(', ')})`);
      args.only = names as Scenario[];
    } else if (flag === '--transport') args.transport = value;
    else if (flag === '--json') args.json = value;
    else throw new Error(`unknown option ${flag}`);
  }
  return args;
}

const DEPLOYMENT = FAULT_DEPLOYMENT;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let unhandled = 0;
process.on('unhandledRejection', (reason) => {
  unhandled++;
  console.error('unhandled rejection:', reason);
});

function socketFds(): number {
  let count = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`).startsWith('socket:')) count++;
    } catch {
      // closed while listing
    }
  }
  return count;
}

function executor(port = 0): Promise<ExecutorServer> {
  return serveFaultExecutor({ port });
}

/** bench/fault-executor.ts as a process of its own; resolves once it serves. */
async function executorProcess(port: number): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [fileURLToPath(new URL('./fault-executor.js', import.meta.url)), '--port', String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  const served = await new Promise<number>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const ready = /ready (\d+)/.exec(output);
      if (ready) resolve(Number(ready[1]));
    });
    child.once('exit', (code, signal) => reject(new Error(`the fault executor exited (${code ?? signal}) before serving`)));
  });
  return { child, port: served };
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
}

async function gateway(executorPort: number, flags: string[]) {
  const started = await startGateway({
    argv: [
      '--graph-description', JSON.stringify({ 'start-gateway': [DEPLOYMENT], [DEPLOYMENT]: ['end-gateway'] }),
      '--deployments-addresses', JSON.stringify({ [DEPLOYMENT]: [`grpc://127.0.0.1:${executorPort}`] }),
      '--host', '127.0.0.1', '--protocol', 'http', ...flags,
    ],
    logDestination: { write: () => undefined },
    env: {},
  });
  if (!started.ok) throw started.error;
  await started.value.ready;
  return { running: started.value, url: (path: string) => `http://127.0.0.1:${started.value.ports[0]}${path}` };
}

interface Row {
  scenario: string;
  flags: string;
  seconds: number;
  counts: LoadCounts;
  firstOkMs: number[];
  socketFds: { before: number; peak: number; after: number };
  note: string;
}

async function restart(args: Args, flags: string[]): Promise<Omit<Row, 'socketFds'>> {
  let server = await executor();
  const port = server.port;
  const { running, url } = await gateway(port, flags);
  const started = performance.now();
  const load = startLoad({ url: url('/x'), clients: args.clients, deployment: DEPLOYMENT });
  const firstOkMs: number[] = [];
  try {
    firstOkMs.push(
      ...(await downAndBack(load, args, async () => {
        await server.close(0);
        await sleep(args.downMs);
        server = await executor(port);
      })),
    );
  } finally {
    await load.stop();
    await running.stop();
    await server.close(0);
  }
  return { scenario: 'restart', flags: flags.join(' '), seconds: (performance.now() - started) / 1000, counts: load.counts, firstOkMs, note: `${args.cycles} × down ${args.downMs} ms` };
}

/**
 * 200 successes, then `args.cycles` times: the executor taken down and brought back by
 * `downAndUp`, the ms to the next 200 after its return, and 200 more. Returns those ms.
 */
async function downAndBack(load: ReturnType<typeof startLoad>, args: Args, downAndUp: () => Promise<void>): Promise<number[]> {
  const firstOkMs: number[] = [];
  await load.okCount(200);
  for (let cycle = 0; cycle < args.cycles; cycle++) {
    await downAndUp();
    const back = performance.now();
    await load.okCount(1);
    firstOkMs.push(performance.now() - back);
    await load.okCount(200);
  }
  return firstOkMs;
}

async function killed(args: Args, flags: string[]): Promise<Omit<Row, 'socketFds'>> {
  let executorNow = await executorProcess(0);
  const port = executorNow.port;
  const { running, url } = await gateway(port, flags);
  const started = performance.now();
  const load = startLoad({ url: url('/x'), clients: args.clients, deployment: DEPLOYMENT });
  const firstOkMs: number[] = [];
  try {
    firstOkMs.push(
      ...(await downAndBack(load, args, async () => {
        await kill(executorNow.child);
        await sleep(args.downMs);
        executorNow = await executorProcess(port);
      })),
    );
  } finally {
    await load.stop();
    await running.stop();
    await kill(executorNow.child);
  }
  return { scenario: 'kill', flags: flags.join(' '), seconds: (performance.now() - started) / 1000, counts: load.counts, firstOkMs, note: `${args.cycles} × SIGKILL, down ${args.downMs} ms + process start` };
}

/** The executor says GOAWAY itself: grpc-js's max connection age. */
async function goawayAge(args: Args, flags: string[]): Promise<Omit<Row, 'socketFds'>> {
  const server = await serveFaultExecutor({ maxConnectionAgeMs: args.maxAgeMs });
  const proxy = await startGoawayProxy({ host: '127.0.0.1', port: server.port });
  const { running, url } = await gateway(proxy.port, flags);
  const started = performance.now();
  const load = startLoad({ url: url('/x'), clients: args.clients, deployment: DEPLOYMENT });
  try {
    await sleep(args.cycles * 1_000);
  } finally {
    await load.stop();
    await running.stop();
    await proxy.close();
    await server.close(0);
  }
  return { scenario: 'goaway-age', flags: flags.join(' '), seconds: (performance.now() - started) / 1000, counts: load.counts, firstOkMs: [], note: `max_connection_age_ms ${args.maxAgeMs}: ${proxy.connections} connections` };
}

/** The proxy says GOAWAY for the executor, every 100 ms. */
async function goawayStorm(args: Args, flags: string[], mode: GoawayMode, errorCode?: number): Promise<Omit<Row, 'socketFds'>> {
  const server = await executor();
  const proxy = await startGoawayProxy({ host: '127.0.0.1', port: server.port });
  const { running, url } = await gateway(proxy.port, flags);
  const started = performance.now();
  const load = startLoad({ url: url('/x'), clients: args.clients, deployment: DEPLOYMENT });
  try {
    await load.okCount(200);
    for (let i = 0; i < args.cycles * 10; i++) {
      proxy.goawayAll(mode, errorCode);
      await sleep(100);
    }
    await load.okCount(200);
  } finally {
    await load.stop();
    await running.stop();
    await proxy.close();
    await server.close(0);
  }
  const name = errorCode === 0xb ? 'goaway-calm' : `goaway-${mode}`;
  return { scenario: name, flags: flags.join(' '), seconds: (performance.now() - started) / 1000, counts: load.counts, firstOkMs: [], note: `${proxy.goaways} GOAWAYs, ${proxy.connections} connections, ${proxy.dropped} requests not forwarded` };
}

async function slow(args: Args, flags: string[]): Promise<Omit<Row, 'socketFds'>[]> {
  const server = await executor();
  const { running, url } = await gateway(server.port, flags);
  const started = performance.now();
  const slowLoad = startLoad({ url: url('/slow'), clients: args.clients / 2, deployment: DEPLOYMENT });
  const fastLoad = startLoad({ url: url('/x'), clients: args.clients / 2, deployment: DEPLOYMENT });
  try {
    await sleep(args.cycles * 1_000);
  } finally {
    await slowLoad.stop();
    await fastLoad.stop();
    await running.stop();
    await server.close(0);
  }
  const seconds = (performance.now() - started) / 1000;
  return [
    { scenario: 'slow /slow', flags: flags.join(' '), seconds, counts: slowLoad.counts, firstOkMs: [], note: 'sleeps 2 s' },
    { scenario: 'slow /x', flags: flags.join(' '), seconds, counts: fastLoad.counts, firstOkMs: [], note: 'same gateway, same executor' },
  ];
}

async function cut(args: Args, flags: string[]): Promise<Omit<Row, 'socketFds'>> {
  const server = await executor();
  const proxy = await startCuttingProxy({ host: '127.0.0.1', port: server.port });
  const { running, url } = await gateway(proxy.port, flags);
  const started = performance.now();
  const load = startLoad({ url: url('/x'), clients: args.clients, deployment: DEPLOYMENT });
  const cutsAtStart = proxy.cuts;
  try {
    await load.okCount(200);
    for (let i = 0; i < args.cycles * 4; i++) {
      proxy.armCuts(1, 1_000);
      await sleep(250);
    }
    await load.okCount(200);
  } finally {
    await load.stop();
    await running.stop();
    await proxy.close();
    await server.close(0);
  }
  return { scenario: 'cut', flags: flags.join(' '), seconds: (performance.now() - started) / 1000, counts: load.counts, firstOkMs: [], note: `${proxy.cuts - cutsAtStart} cuts, ${proxy.connections} connections` };
}

async function measured<T extends Omit<Row, 'socketFds'> | Omit<Row, 'socketFds'>[]>(run: () => Promise<T>): Promise<Row[]> {
  const before = socketFds();
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, socketFds())), 100);
  const result = await run().finally(() => clearInterval(sampler));
  await sleep(200);
  const after = socketFds();
  return (Array.isArray(result) ? result : [result]).map((row) => ({ ...row, socketFds: { before, peak, after } }));
}

function table(rows: Row[]): string {
  const lines = [
    '| scenario | gateway flags | s | requests | 200 | 502 | 503 | 504 | other | lost | first 200 after return, ms | socket fds before / peak / after | note |',
    '|---|---|--:|--:|--:|--:|--:|--:|--:|--:|---|---|---|',
  ];
  for (const row of rows) {
    const { counts } = row;
    const named = (status: number) => counts.named[status] ?? 0;
    const requests = counts.ok + named(502) + named(503) + named(504) + counts.other.length + counts.lost;
    const firstOk = row.firstOkMs.length ? row.firstOkMs.map((ms) => ms.toFixed(1)).join(', ') : '–';
    lines.push(
      `| ${row.scenario} | \`${row.flags}\` | ${row.seconds.toFixed(1)} | ${requests} | ${counts.ok} | ${named(502)} | ${named(503)} | ${named(504)} | ${counts.other.length} | ${counts.lost} | ${firstOk} | ${row.socketFds.before} / ${row.socketFds.peak} / ${row.socketFds.after} | ${row.note} |`,
    );
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const rows: Row[] = [];
  const f = (...flags: string[]): string[] => (args.transport === undefined ? flags : [...flags, '--executor-transport', args.transport]);
  const runs: Record<Scenario, Array<() => Promise<Omit<Row, 'socketFds'> | Omit<Row, 'socketFds'>[]>>> = {
    restart: [() => restart(args, f('--retries', '0')), () => restart(args, f('--retries', '-1'))],
    slow: [() => slow(args, f('--timeout-send', '300', '--retries', '0'))],
    cut: [() => cut(args, f('--retries', '0')), () => cut(args, f('--retries', '1'))],
    kill: [() => killed(args, f('--retries', '0')), () => killed(args, f('--retries', '-1'))],
    'goaway-age': [() => goawayAge(args, f('--retries', '0')), () => goawayAge(args, f('--retries', '1'))],
    'goaway-graceful': [() => goawayStorm(args, f('--retries', '0'), 'graceful'), () => goawayStorm(args, f('--retries', '1'), 'graceful')],
    'goaway-double': [() => goawayStorm(args, f('--retries', '0'), 'double'), () => goawayStorm(args, f('--retries', '1'), 'double')],
    'goaway-error': [() => goawayStorm(args, f('--retries', '0'), 'error', 0x2), () => goawayStorm(args, f('--retries', '1'), 'error', 0x2)],
    'goaway-calm': [() => goawayStorm(args, f('--retries', '0'), 'error', 0xb), () => goawayStorm(args, f('--retries', '1'), 'error', 0xb)],
  };
  for (const scenario of args.only) for (const run of runs[scenario]) rows.push(...(await measured(run)));
  console.log(table(rows));
  console.log(`\nclients ${args.clients}, unhandled rejections ${unhandled}, node ${process.version}, ${os.cpus().length} cores, load average ${os.loadavg().map((n) => n.toFixed(2)).join(' ')}`);
  for (const row of rows) for (const line of row.counts.other.slice(0, 5)) console.log(`other (${row.scenario}, ${row.flags}): ${line}`);
  if (args.json) {
    writeFileSync(
      args.json,
      `${JSON.stringify({ date: new Date().toISOString(), node: process.version, args, unhandled, rows: rows.map(({ counts: { okAt: _okAt, ...counts }, ...row }) => ({ ...row, counts })) }, null, 2)}\n`,
    );
  }
}

await main();
