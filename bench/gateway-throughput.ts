/**
 * Gateway throughput, side by side in one run, every subject in its own process pinned to core 0,
 * the load generators (this process) and the echo executor E pinned to core 1:
 *
 *   B  fastify     bare Fastify `POST /echo` answering the JSON body it got (fastify-echo.ts)
 *   C  grpc-js     raw grpc-js unary process_single_data echo: a second E, loaded directly
 *   D  ours HTTP   our gateway (`node runtime/dist/cli/gateway-main.js --protocol http`) → E
 *   G  ours gRPC   our gateway (`--protocol grpc`, process_single_data) → E
 *   DM, GM         D and G with `--monitoring` (Prometheus metrics collected, not scraped): the
 *                  metrics' cost is DM/D and GM/G in CPU per request
 *   P  Jina HTTP   Jina's own gateway (`.venv/bin/jina gateway --protocol HTTP`) → E
 *   Q  Jina gRPC   Jina's own gateway (`--protocol GRPC`) → E
 *
 * HTTP load: autocannon (programmatic, no pipelining) with `--connections` connections; gRPC load:
 * grpc-load.ts, `--connections` calls in flight on one channel. Closed loop, `--payload` S (one doc
 * with a 16-byte text, the default) or M (32 docs x 512-d float32 embeddings; see payloads.ts). Every subject is measured `--rounds` times for `--duration` seconds, the
 * subjects alternating within each round (after one warm-up pass), and medians reported: req/s,
 * p50/p99 latency, subject CPU-µs per request (utime+stime of its process tree from /proc, before
 * and after), subject core busy (CPU time ÷ wall time) and RSS after the run.
 *
 * A gateway's request costs one client-facing leg and one gRPC leg, so its ceiling is the composed
 * rate 1/(1/B + 1/C) for HTTP and 1/(1/C + 1/C) for gRPC, B and C from this same run.
 *
 *   node bench/dist/gateway-throughput.js [--duration 4] [--rounds 4] [--warmup 2] [--connections 32]
 *     [--subjects B,C,D,G,P,Q] [--grpc-load auto|ghz|grpc-js] [--node-options '--max-semi-space-size=4'] [--node-flags '--single-threaded-gc']
 *     [--payload S|M] [--flow single|dag] [--workers N] [--cpu-prof dir] [--json out.json]
 *
 * `--workers N`: our gateways run `--workers N` (node:cluster, N processes on one port), pinned
 * to cores 0..N-1 rather than core 0; CPU is counted over the whole process tree.
 *
 * `--flow dag`: the gateways front the 4-executor fan-out / join graph (start → a, b, c → join →
 * end, one E process each, all on the load core) instead of one E; B and C stay one leg each, so
 * only the gateway-vs-gateway ratios (D/P, G/Q) apply there.
 *
 * gRPC load: ghz if `.tools/bin/ghz` exists (see ghz-load.ts), and grpc-load.ts too (`auto`).
 * `--cpu-prof dir`: our gateways write V8 CPU profiles there on exit (see cpu-profile-summary.ts).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import autocannon from 'autocannon';
import { decodeDataRequest } from '@jina-ts/runtime';
import { answerDocs, payload, type Payload } from './payloads.js';
import { ghzPath, runGhz } from './ghz-load.js';
import { GrpcLoad, type LoadResult } from './grpc-load.js';
import { coreBusy, coreTimes, cpuMicros, rssKiB } from './process-stats.js';
import { median } from './median.js';
import { freePort, readyPort, startSubject, waitReady, type SubjectProcess } from './subject-process.js';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const HERE = fileURLToPath(new URL('.', import.meta.url));
const GATEWAY_MAIN = path.join(REPO_ROOT, 'runtime', 'dist', 'cli', 'gateway-main.js');
const JINA = path.join(REPO_ROOT, '.venv', 'bin', 'jina');
const SUBJECT_CORE = 0;
const LOAD_CORE = 1;
/** --flow dag: the issue's 4-executor fan-out / join graph. */
const DAG_EXECUTORS = ['a', 'b', 'c', 'join'];
const DAG_GRAPH = { 'start-gateway': ['a', 'b', 'c'], a: ['join'], b: ['join'], c: ['join'], join: ['end-gateway'] };
const PROCESS_SINGLE_DATA = '/jina.JinaSingleDataRequestRPC/process_single_data';
/** Jina's processes: no telemetry, no version check (no network). */
const JINA_ENV = { JINA_OPTOUT_TELEMETRY: '1', JINA_CHECK_VERSION: 'False', JINA_LOG_NO_COLOR: '1', PYTHONUNBUFFERED: '1', NO_PROXY: '127.0.0.1,localhost', no_proxy: '127.0.0.1,localhost' };

interface Args {
  durationS: number;
  rounds: number;
  warmupS: number;
  connections: number;
  subjects: string[];
  grpcLoad: 'auto' | 'ghz' | 'grpc-js';
  /** NODE_OPTIONS for the Node subjects (B, C, D, G), e.g. `--max-semi-space-size=4` */
  nodeOptions: string | undefined;
  /** Flags on every Node subject's command line (V8 flags NODE_OPTIONS refuses, e.g. --single-threaded-gc). */
  nodeFlags: string[];
  cpuProf: string | undefined;
  json: string | undefined;
  payload: Payload;
  flow: 'single' | 'dag';
  /** --workers of our gateways (D, G); > 1: pinned to cores 0..N-1 instead of core 0. */
  workers: number;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { durationS: 4, rounds: 4, warmupS: 2, connections: 32, subjects: ['B', 'C', 'D', 'G', 'P', 'Q'], grpcLoad: 'auto', nodeOptions: undefined, nodeFlags: [], cpuProf: undefined, json: undefined, payload: payload('S'), flow: 'single', workers: 1 };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[++i];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === '--duration') args.durationS = Number(value);
    else if (flag === '--rounds') args.rounds = Number(value);
    else if (flag === '--warmup') args.warmupS = Number(value);
    else if (flag === '--connections') args.connections = Number(value);
    else if (flag === '--subjects') args.subjects = value.split(',');
    else if (flag === '--grpc-load') args.grpcLoad = value as Args['grpcLoad'];
    else if (flag === '--node-options') args.nodeOptions = value;
    else if (flag === '--node-flags') args.nodeFlags = value.split(/\s+/).filter(Boolean);
    else if (flag === '--cpu-prof') args.cpuProf = path.resolve(value);
    else if (flag === '--json') args.json = value;
    else if (flag === '--payload') args.payload = payload(value);
    else if (flag === '--workers') args.workers = Number(value);
    else if (flag === '--flow') {
      if (value !== 'single' && value !== 'dag') throw new Error(`--flow ${value}: single | dag`);
      args.flow = value;
    }
    else throw new Error(`unknown option ${flag}`);
  }
  return args;
}

/** One probe request: true iff the subject answers with the payload echoed. */
async function httpEchoes(port: number, load: Payload): Promise<boolean> {
  const response = await fetch(`http://127.0.0.1:${port}/echo`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: load.httpBody,
    signal: AbortSignal.timeout(5000),
  });
  return response.status === 200 && load.httpEchoed(await response.json());
}

async function grpcEchoes(client: GrpcLoad, load: Payload): Promise<boolean> {
  const response = decodeDataRequest(await client.call(PROCESS_SINGLE_DATA, load.grpcRequest));
  const status = response.header?.status;
  if (status && status.code !== 0) throw new Error(`error status: ${status.description}`);
  return load.grpcEchoed(answerDocs(response.data));
}

type Loader = 'autocannon' | 'grpc-js' | 'ghz';

interface Subject {
  id: string;
  label: string;
  protocol: 'http' | 'grpc';
  loader: Loader;
  process: SubjectProcess;
  port: number;
  grpc?: GrpcLoad;
}

interface RoundResult {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  cpuUsPerRequest: number;
  coreBusy: number;
  rssMiB: number;
  /** Busy share of core 0 (subject) and core 1 (load, E), every process on them counted */
  coresBusy: number[];
  /** CPU of this process (autocannon, grpc-js load) per request; undefined for ghz (another process) */
  loadCpuUsPerRequest: number | undefined;
  requests: number;
  errors: number;
}

function percentile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

function httpLoad(port: number, connections: number, durationS: number, body: string): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const latenciesMs: number[] = [];
    const start = process.hrtime.bigint();
    const instance = autocannon(
      {
        url: `http://127.0.0.1:${port}/echo`,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        connections,
        pipelining: 1,
        duration: durationS,
        timeout: 10,
      },
      (error, result) => {
        if (error) return reject(error);
        const errors = result.errors + result.timeouts + result.non2xx;
        resolve({
          requests: result['2xx'],
          errors,
          wallMs: Number(process.hrtime.bigint() - start) / 1e6,
          latenciesMs,
          firstError: errors ? `${result.errors} errors, ${result.timeouts} timeouts, ${result.non2xx} non-2xx` : undefined,
        });
      },
    );
    instance.on('response', (_client, statusCode, _bytes, responseTimeMs) => {
      if (statusCode >= 200 && statusCode < 300) latenciesMs.push(responseTimeMs);
    });
  });
}

async function measure(subject: Subject, args: Args, durationS: number, ghz: string | undefined): Promise<RoundResult> {
  const cpuBefore = cpuMicros(subject.process.pid);
  const coresBefore = coreTimes();
  const ownBefore = process.cpuUsage();
  const wallStart = process.hrtime.bigint();
  let rps: number;
  let p50Ms: number;
  let p99Ms: number;
  let requests: number;
  if (subject.loader === 'ghz') {
    const load = await runGhz({
      ghz: ghz!,
      core: os.cpus().length > 1 ? LOAD_CORE : undefined,
      address: `127.0.0.1:${subject.port}`,
      call: PROCESS_SINGLE_DATA.slice(1).replace('/', '.'),
      protoset: path.join(REPO_ROOT, 'runtime', 'dist', 'wire', 'gen', 'descriptor-set.binpb'),
      request: args.payload.grpcRequest,
      concurrency: args.connections,
      durationMs: durationS * 1000,
    });
    if (load.errors) throw new Error(`${subject.label}: ${load.errors} failed requests (${load.firstError})\n${subject.process.output()}`);
    ({ rps, p50Ms, p99Ms, requests } = load);
  } else {
    const load =
      subject.loader === 'autocannon'
        ? await httpLoad(subject.port, args.connections, durationS, args.payload.httpBody)
        : await subject.grpc!.run({ method: PROCESS_SINGLE_DATA, request: args.payload.grpcRequest, concurrency: args.connections, durationMs: durationS * 1000 });
    if (load.errors) throw new Error(`${subject.label}: ${load.errors} failed requests (${load.firstError})\n${subject.process.output()}`);
    const sorted = load.latenciesMs.sort((a, b) => a - b);
    rps = (load.requests / load.wallMs) * 1000;
    p50Ms = percentile(sorted, 0.5);
    p99Ms = percentile(sorted, 0.99);
    requests = load.requests;
  }
  const wallUs = Number(process.hrtime.bigint() - wallStart) / 1e3;
  const cpu = cpuMicros(subject.process.pid) - cpuBefore;
  const coresBusy = coreBusy(coresBefore, coreTimes());
  const own = process.cpuUsage(ownBefore);
  return {
    rps,
    p50Ms,
    p99Ms,
    cpuUsPerRequest: cpu / requests,
    coreBusy: cpu / wallUs,
    rssMiB: rssKiB(subject.process.pid) / 1024,
    coresBusy,
    loadCpuUsPerRequest: subject.loader === 'ghz' ? undefined : (own.user + own.system) / requests,
    requests,
    errors: 0,
  };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const pinned = os.cpus().length > 1;
  const loadAverageStart = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  // This process (autocannon, grpc-load) on the load core, every thread of it.
  if (pinned) execFileSync('taskset', ['-a', '-cp', String(LOAD_CORE), String(process.pid)], { stdio: 'ignore' });
  const started: SubjectProcess[] = [];
  const subjects: Subject[] = [];
  const node = (name: string, script: string, scriptArgs: string[], core: number | string, prof?: boolean) =>
    startSubject({
      name,
      command: process.execPath,
      args: [...args.nodeFlags, ...(prof && args.cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${args.cpuProf}`] : []), script, ...scriptArgs],
      core,
      cwd: REPO_ROOT,
      env: args.nodeOptions ? { ...process.env, NODE_OPTIONS: args.nodeOptions } : process.env,
    });
  const startEcho = async (name: string, core: number) => {
    const echo = node(name, path.join(HERE, 'echo-executor.js'), ['0', args.payload.name], core);
    started.push(echo);
    return { process: echo, port: await readyPort(echo) };
  };

  try {
    // E, behind every gateway, on the load core; for --flow dag four of them: a fan-out to three, joined in the fourth
    const names = args.flow === 'dag' ? DAG_EXECUTORS : ['echo'];
    const executors = await Promise.all(names.map((name) => startEcho(`echo executor E (${name})`, LOAD_CORE)));
    const graph = JSON.stringify(args.flow === 'dag' ? DAG_GRAPH : { 'start-gateway': ['echo'], echo: ['end-gateway'] });
    const addresses = JSON.stringify(Object.fromEntries(names.map((name, index) => [name, [`grpc://127.0.0.1:${executors[index]!.port}`]])));
    const flowFlags = ['--graph-description', graph, '--deployments-addresses', addresses, '--host', '127.0.0.1'];

    const want = new Set(args.subjects);
    // gRPC subjects: loaded by ghz when installed (the primary figures), and by grpc-load.ts
    const ghz = args.grpcLoad === 'grpc-js' ? undefined : ghzPath(REPO_ROOT);
    if (args.grpcLoad === 'ghz' && !ghz) throw new Error('--grpc-load ghz: no .tools/bin/ghz (see bench/ghz-load.ts)');
    const grpcLoaders: Loader[] = ghz ? (args.grpcLoad === 'ghz' ? ['ghz'] : ['ghz', 'grpc-js']) : ['grpc-js'];
    const addGrpc = (id: string, label: string, proc: SubjectProcess, port: number) => {
      for (const loader of grpcLoaders) {
        const primary = loader === grpcLoaders[0];
        subjects.push({ id: primary ? id : `${id}:${loader}`, label: primary ? label : `${label} (${loader} load)`, protocol: 'grpc', loader, process: proc, port });
      }
    };
    if (want.has('B')) {
      const fastify = node('bare fastify', path.join(HERE, 'fastify-echo.js'), ['0'], SUBJECT_CORE);
      started.push(fastify);
      const port = await readyPort(fastify);
      subjects.push({ id: 'B', label: 'B: bare fastify echo', protocol: 'http', loader: 'autocannon', process: fastify, port });
    }
    if (want.has('C')) {
      const direct = await startEcho('grpc-js echo C', SUBJECT_CORE);
      addGrpc('C', 'C: raw grpc-js unary echo', direct.process, direct.port);
    }
    for (const [id, protocol, label, extra] of [
      ['D', 'http', 'D: our HTTP gateway', []],
      ['G', 'grpc', 'G: our gRPC gateway', []],
      ['DM', 'http', 'DM: our HTTP gateway --monitoring', ['--monitoring']],
      ['GM', 'grpc', 'GM: our gRPC gateway --monitoring', ['--monitoring']],
    ] as const) {
      if (!want.has(id)) continue;
      const port = await freePort();
      const workers = args.workers > 1 ? ['--workers', String(args.workers)] : [];
      const cores = args.workers > 1 ? `${SUBJECT_CORE}-${SUBJECT_CORE + args.workers - 1}` : SUBJECT_CORE;
      const gateway = node(label, GATEWAY_MAIN, [...flowFlags, '--protocol', protocol, '--port', String(port), ...workers, ...extra], cores, true);
      started.push(gateway);
      if (protocol === 'http') subjects.push({ id, label, protocol, loader: 'autocannon', process: gateway, port });
      else addGrpc(id, label, gateway, port);
    }
    for (const [id, protocol, label] of [
      ['P', 'http', "P: Jina's HTTP gateway"],
      ['Q', 'grpc', "Q: Jina's gRPC gateway"],
    ] as const) {
      if (!want.has(id)) continue;
      const port = await freePort();
      const gateway = startSubject({
        name: label,
        command: JINA,
        args: ['gateway', ...flowFlags, '--protocol', protocol.toUpperCase(), '--port', String(port)],
        core: SUBJECT_CORE,
        cwd: REPO_ROOT,
        env: { ...process.env, ...JINA_ENV },
      });
      started.push(gateway);
      if (protocol === 'http') subjects.push({ id, label, protocol, loader: 'autocannon', process: gateway, port });
      else addGrpc(id, label, gateway, port);
    }

    // ready = answers a real request with the doc echoed
    for (const subject of subjects) {
      if (subject.protocol === 'grpc') subject.grpc = new GrpcLoad(`127.0.0.1:${subject.port}`);
      if (subjects.some((s) => s.process === subject.process && s.grpc && s !== subject)) continue;
      await waitReady(subject.process, () => (subject.grpc ? grpcEchoes(subject.grpc, args.payload) : httpEchoes(subject.port, args.payload)), 90_000);
    }
    console.error(`ready: ${subjects.map((s) => s.label).join(', ')}`);

    const idleRss = new Map(subjects.map((s) => [s.process.pid, rssKiB(s.process.pid) / 1024]));
    // every request each process served (probes aside), to put a --cpu-prof profile per request
    const served = new Map<number, number>();
    const count = (subject: Subject, result: RoundResult) => served.set(subject.process.pid, (served.get(subject.process.pid) ?? 0) + result.requests);
    for (const subject of subjects) count(subject, await measure(subject, args, args.warmupS, ghz));
    const results = new Map<string, RoundResult[]>(subjects.map((s) => [s.id, []]));
    for (let round = 0; round < args.rounds; round++) {
      for (const subject of subjects) {
        const result = await measure(subject, args, args.durationS, ghz);
        results.get(subject.id)!.push(result);
        count(subject, result);
        console.error(`round ${round + 1} ${subject.label}: ${result.rps.toFixed(0)} req/s, ${result.cpuUsPerRequest.toFixed(0)} CPU-µs/req, busy ${(result.coreBusy * 100).toFixed(0)}%, cores ${result.coresBusy.map((c) => `${(c * 100).toFixed(0)}%`).join(' ')}`);
      }
    }
    // the echoes still echo after the load
    for (const subject of subjects) {
      if (!(await (subject.grpc ? grpcEchoes(subject.grpc, args.payload) : httpEchoes(subject.port, args.payload)))) throw new Error(`${subject.label} stopped echoing`);
    }

    const rows = subjects.map((subject) => {
      const rounds = results.get(subject.id)!;
      const pick = (key: 'rps' | 'p50Ms' | 'p99Ms' | 'cpuUsPerRequest' | 'coreBusy' | 'rssMiB') => median(rounds.map((r) => r[key]));
      const loadCpu = rounds.map((r) => r.loadCpuUsPerRequest).filter((v): v is number => v !== undefined);
      return {
        id: subject.id,
        subject: subject.label,
        protocol: subject.protocol,
        loader: subject.loader,
        rps: pick('rps'),
        p50Ms: pick('p50Ms'),
        p99Ms: pick('p99Ms'),
        cpuUsPerRequest: pick('cpuUsPerRequest'),
        coreBusy: pick('coreBusy'),
        rssMiB: pick('rssMiB'),
        loadCpuUsPerRequest: loadCpu.length ? median(loadCpu) : undefined,
        coresBusy: (rounds[0]?.coresBusy ?? []).map((_, core) => median(rounds.map((r) => r.coresBusy[core] ?? 0))),
        rssIdleMiB: idleRss.get(subject.process.pid),
        requestsServed: served.get(subject.process.pid),
        rounds,
      };
    });
    const row = (id: string) => rows.find((r) => r.id === id);
    const composed = (...rates: number[]) => 1 / rates.reduce((sum, rate) => sum + 1 / rate, 0);
    const ratio = (a: number | undefined, b: number | undefined) => (a !== undefined && b !== undefined ? a / b : undefined);
    // one set of ceilings and ratios per gRPC load generator (the HTTP side is autocannon's)
    const B = row('B');
    const P = row('P');
    const D = row('D');
    const analysis = grpcLoaders.map((loader, index) => {
      const suffix = index === 0 ? '' : `:${loader}`;
      const [C, G, Q] = ['C', 'G', 'Q'].map((id) => row(id + suffix));
      const httpCeiling = B && C ? composed(B.rps, C.rps) : undefined;
      const grpcCeiling = C ? composed(C.rps, C.rps) : undefined;
      // the same ratios within each round (subjects measured minutes apart see different
      // neighbours on a shared machine; within a round they are seconds apart), then the median
      const perRound = (f: (r: (id: string) => RoundResult | undefined) => number | undefined) => {
        const values = Array.from({ length: args.rounds }, (_, i) => f((id) => results.get(id)?.[i])).filter((v): v is number => v !== undefined);
        return values.length ? median(values) : undefined;
      };
      const c = 'C' + suffix;
      const medianPerRound = {
        oursHttpOverJinaHttp: perRound((r) => ratio(r('D')?.rps, r('P')?.rps)),
        oursHttpOverHttpCeiling: perRound((r) => (r('B') && r(c) ? ratio(r('D')?.rps, composed(r('B')!.rps, r(c)!.rps)) : undefined)),
        oursGrpcOverGrpcCeiling: perRound((r) => (r(c) ? ratio(r('G' + suffix)?.rps, composed(r(c)!.rps, r(c)!.rps)) : undefined)),
        oursGrpcOverJinaGrpc: perRound((r) => ratio(r('G' + suffix)?.rps, r('Q' + suffix)?.rps)),
        // --monitoring's cost: CPU per request with metrics over without, same round
        monitoringHttpCpu: perRound((r) => ratio(r('DM')?.cpuUsPerRequest, r('D')?.cpuUsPerRequest)),
        monitoringGrpcCpu: perRound((r) => ratio(r('GM' + suffix)?.cpuUsPerRequest, r('G' + suffix)?.cpuUsPerRequest)),
        monitoringHttpRps: perRound((r) => ratio(r('DM')?.rps, r('D')?.rps)),
        monitoringGrpcRps: perRound((r) => ratio(r('GM' + suffix)?.rps, r('G' + suffix)?.rps)),
      };
      return {
        grpcLoader: loader,
        ceilings: { http: httpCeiling, grpc: grpcCeiling },
        medianPerRound,
        ratios: {
          oursHttpOverJinaHttp: ratio(D?.rps, P?.rps),
          oursHttpOverHttpCeiling: ratio(D?.rps, httpCeiling),
          oursGrpcOverGrpcCeiling: ratio(G?.rps, grpcCeiling),
          oursGrpcOverJinaGrpc: ratio(G?.rps, Q?.rps),
        },
        // the same question asked of CPU: the legs' server-side CPU per request against the gateway's
        cpu: {
          httpLegsUs: B && C ? B.cpuUsPerRequest + C.cpuUsPerRequest : undefined,
          grpcLegsUs: C ? 2 * C.cpuUsPerRequest : undefined,
          oursHttpUs: D?.cpuUsPerRequest,
          oursGrpcUs: G?.cpuUsPerRequest,
          jinaHttpOverOursHttp: ratio(P?.cpuUsPerRequest, D?.cpuUsPerRequest),
          jinaGrpcOverOursGrpc: ratio(Q?.cpuUsPerRequest, G?.cpuUsPerRequest),
        },
      };
    });

    const loadAverageEnd = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
    const fmt = (n: number | undefined, digits = 0) => (n === undefined ? '-' : n.toFixed(digits));
    console.log(
      `payload ${args.payload.label}; flow ${args.flow === 'dag' ? 'dag (start → a, b, c → join → end, 4 E processes)' : 'single (one E)'}; machine: ${os.cpus().length} x ${os.cpus()[0]?.model ?? '?'}, node ${process.version}; ${pinned ? `subjects on core ${SUBJECT_CORE}${args.workers > 1 ? ` (our gateways: --workers ${args.workers} on cores ${SUBJECT_CORE}-${SUBJECT_CORE + args.workers - 1})` : ''}, load generators and E on core ${LOAD_CORE}` : 'not pinned'}; ` +
        `${args.connections} connections / calls in flight, ${args.rounds} rounds x ${args.durationS} s, medians; ` +
        `load average ${loadAverageStart} at start, ${loadAverageEnd} at end (other people's work included)`,
    );
    console.log('| subject | load | req/s | p50 ms | p99 ms | subject CPU-µs/req | subject busy | core 0 / core 1 busy | RSS idle / loaded MiB | load-gen CPU-µs/req |');
    console.log('|---|---|---|---|---|---|---|---|---|---|');
    for (const r of rows) {
      console.log(
        `| ${r.subject} | ${r.loader} | ${fmt(r.rps)} | ${fmt(r.p50Ms, 2)} | ${fmt(r.p99Ms, 2)} | ${fmt(r.cpuUsPerRequest, 1)} | ${fmt(r.coreBusy * 100)}% | ${r.coresBusy.map((c) => `${fmt(c * 100)}%`).join(' / ')} | ${fmt(r.rssIdleMiB)} / ${fmt(r.rssMiB)} | ${fmt(r.loadCpuUsPerRequest, 1)} |`,
      );
    }
    for (const a of analysis) {
      console.log(`with ${a.grpcLoader} for gRPC: ceilings HTTP 1/(1/B+1/C) = ${fmt(a.ceilings.http)} req/s, gRPC 1/(2/C) = ${fmt(a.ceilings.grpc)} req/s`);
      console.log(
        `  D/P = ${fmt(a.ratios.oursHttpOverJinaHttp, 2)} (target >= 10), D/ceiling = ${fmt(a.ratios.oursHttpOverHttpCeiling, 2)} (target >= 0.8), ` +
          `G/ceiling = ${fmt(a.ratios.oursGrpcOverGrpcCeiling, 2)} (target >= 0.8), G/Q = ${fmt(a.ratios.oursGrpcOverJinaGrpc, 2)}`,
      );
      console.log(
        `  per-round medians: D/P = ${fmt(a.medianPerRound.oursHttpOverJinaHttp, 2)}, D/ceiling = ${fmt(a.medianPerRound.oursHttpOverHttpCeiling, 2)}, ` +
          `G/ceiling = ${fmt(a.medianPerRound.oursGrpcOverGrpcCeiling, 2)}, G/Q = ${fmt(a.medianPerRound.oursGrpcOverJinaGrpc, 2)}`,
      );
      console.log(
        `  CPU-µs/req: B+C legs ${fmt(a.cpu.httpLegsUs, 1)} vs D ${fmt(a.cpu.oursHttpUs, 1)}; 2C legs ${fmt(a.cpu.grpcLegsUs, 1)} vs G ${fmt(a.cpu.oursGrpcUs, 1)}; ` +
          `P/D ${fmt(a.cpu.jinaHttpOverOursHttp, 1)}x, Q/G ${fmt(a.cpu.jinaGrpcOverOursGrpc, 1)}x`,
      );
      if (a.medianPerRound.monitoringHttpCpu !== undefined || a.medianPerRound.monitoringGrpcCpu !== undefined) {
        const pct = (n: number | undefined) => (n === undefined ? '-' : `${((n - 1) * 100).toFixed(1)}%`);
        console.log(
          `  --monitoring, per-round medians: CPU/req DM/D ${pct(a.medianPerRound.monitoringHttpCpu)}, GM/G ${pct(a.medianPerRound.monitoringGrpcCpu)} (target < 5%); ` +
            `req/s DM/D ${pct(a.medianPerRound.monitoringHttpRps)}, GM/G ${pct(a.medianPerRound.monitoringGrpcRps)}`,
        );
      }
    }
    if (args.cpuProf) {
      // one profile per process (a gRPC subject loaded by two generators is one process)
      const processes = [...new Map(subjects.map((s) => [s.process.pid, s])).values()];
      console.log(`profiles in ${args.cpuProf} (our gateways only); requests served: ${processes.map((s) => `${s.id} pid ${s.process.pid}: ${served.get(s.process.pid)}`).join(', ')}`);
    }
    if (args.json) {
      writeFileSync(
        args.json,
        JSON.stringify(
          {
            node: process.version,
            cpus: os.cpus().length,
            pinned,
            loadAverage: { start: loadAverageStart, end: loadAverageEnd },
            connections: args.connections,
            durationS: args.durationS,
            rounds: args.rounds,
            payload: { name: args.payload.label, httpBytes: Buffer.byteLength(args.payload.httpBody), grpcBytes: args.payload.grpcRequest.length },
            flow: args.flow === 'dag' ? DAG_GRAPH : 'single',
            workers: args.workers,
            rows,
            analysis,
          },
          null,
          2,
        ),
      );
    }
  } finally {
    for (const subject of subjects) subject.grpc?.close();
    await Promise.all(started.map((p) => p.stop()));
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
