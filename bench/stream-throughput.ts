/**
 * Streaming through gateways (issue 19): a generator endpoint yields `--tokens` docs for one input
 * doc (bench/stream-executor.ts, our TypeScript executor server, its own process on the load core)
 * and each subject streams them to this process (the client, on the load core too):
 *
 *   X  direct     stream_doc straight to the executor (grpc-js client): the executor leg alone
 *   D  ours SSE   our gateway `--protocol http`: `GET /stream?text=N`, server-sent events
 *   G  ours gRPC  our gateway `--protocol grpc`: `stream_doc`
 *   P  Jina SSE   Jina's own gateway `--protocol HTTP`, same request
 *   Q  Jina gRPC  Jina's own gateway `--protocol GRPC`, `stream_doc`
 *
 * Per subject and round, alternating: `--single` streams one after another (time to first doc,
 * tokens/s of one stream: medians), then `--streams` streams at once in a closed loop for
 * `--duration` s (tokens/s in all, subject CPU-µs per token from /proc). Every stream's token
 * count is checked; a short or failed stream fails the run.
 *
 *   node bench/dist/stream-throughput.js [--tokens 200] [--single 20] [--streams 16] [--duration 4]
 *     [--rounds 3] [--subjects X,D,G,P,Q] [--json out.json]
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BinaryWriter } from '@bufbuild/protobuf/wire';
import { Client, credentials } from '@grpc/grpc-js';
import { cpuMicros, rssKiB } from './process-stats.js';
import { median } from './median.js';
import { freePort, readyPort, startSubject, waitReady, type SubjectProcess } from './subject-process.js';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const HERE = fileURLToPath(new URL('.', import.meta.url));
const GATEWAY_MAIN = path.join(REPO_ROOT, 'runtime', 'dist', 'cli', 'gateway-main.js');
const JINA = path.join(REPO_ROOT, '.venv', 'bin', 'jina');
const SUBJECT_CORE = 0;
const LOAD_CORE = 1;
const STREAM_DOC = '/jina.JinaSingleDocumentRequestRPC/stream_doc';
const JINA_ENV = { JINA_OPTOUT_TELEMETRY: '1', JINA_CHECK_VERSION: 'False', JINA_LOG_NO_COLOR: '1', PYTHONUNBUFFERED: '1', NO_PROXY: '127.0.0.1,localhost', no_proxy: '127.0.0.1,localhost' };

interface Args {
  tokens: number;
  single: number;
  streams: number;
  durationS: number;
  rounds: number;
  subjects: string[];
  json: string | undefined;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { tokens: 200, single: 20, streams: 16, durationS: 4, rounds: 3, subjects: ['X', 'D', 'G', 'P', 'Q'], json: undefined };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[++i];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === '--tokens') args.tokens = Number(value);
    else if (flag === '--single') args.single = Number(value);
    else if (flag === '--streams') args.streams = Number(value);
    else if (flag === '--duration') args.durationS = Number(value);
    else if (flag === '--rounds') args.rounds = Number(value);
    else if (flag === '--subjects') args.subjects = value.split(',');
    else if (flag === '--json') args.json = value;
    else throw new Error(`unknown option ${flag}`);
  }
  return args;
}

/** SingleDocumentRequestProto { header { request_id, exec_endpoint: '/stream' }, document { id, text: String(tokens) } } */
function streamDocRequest(tokens: number, id: number): Buffer {
  const writer = new BinaryWriter();
  writer.tag(1, 2).fork().tag(1, 2).string(`r${id}`).tag(3, 2).string('/stream').join();
  // DocProto { map<string, NodeProto> data = 1 }, NodeProto { string text = 1 }
  writer.tag(4, 2).fork();
  for (const [key, text] of [['id', `d${id}`], ['text', String(tokens)]] as const) {
    writer.tag(1, 2).fork().tag(1, 2).string(key).tag(2, 2).fork().tag(1, 2).string(text).join().join();
  }
  writer.join();
  return Buffer.from(writer.finish());
}

interface StreamResult {
  tokens: number;
  firstMs: number;
  totalMs: number;
}

type Streamer = (id: number) => Promise<StreamResult>;

function sseStreamer(port: number, tokens: number): Streamer {
  return async () => {
    const start = performance.now();
    const response = await fetch(`http://127.0.0.1:${port}/stream?id=s&text=${tokens}`, { signal: AbortSignal.timeout(60_000) });
    if (response.status !== 200) throw new Error(`HTTP ${response.status}: ${await response.text()}`);
    const decoder = new TextDecoder();
    let pending = '';
    let count = 0;
    let firstMs = 0;
    for await (const chunk of response.body!) {
      pending += decoder.decode(chunk as Uint8Array, { stream: true });
      let index: number;
      while ((index = pending.indexOf('event: update')) >= 0) {
        count += 1;
        if (count === 1) firstMs = performance.now() - start;
        pending = pending.slice(index + 13);
      }
      if (pending.includes('event: error')) throw new Error(`error event: ${pending.slice(0, 300)}`);
      pending = pending.slice(-16);
    }
    return { tokens: count, firstMs, totalMs: performance.now() - start };
  };
}

function grpcStreamer(port: number, tokens: number): { stream: Streamer; close: () => void } {
  const client = new Client(`127.0.0.1:${port}`, credentials.createInsecure(), { 'grpc.max_receive_message_length': -1 });
  const identity = (value: Buffer) => value;
  const stream: Streamer = (id) =>
    new Promise((resolve, reject) => {
      const start = performance.now();
      let count = 0;
      let firstMs = 0;
      const call = client.makeServerStreamRequest(STREAM_DOC, identity, identity, streamDocRequest(tokens, id), { deadline: Date.now() + 60_000 });
      call.on('data', () => {
        count += 1;
        if (count === 1) firstMs = performance.now() - start;
      });
      call.on('error', reject);
      call.on('end', () => resolve({ tokens: count, firstMs, totalMs: performance.now() - start }));
    });
  return { stream, close: () => client.close() };
}

interface Subject {
  id: string;
  label: string;
  process: SubjectProcess;
  stream: Streamer;
  close?: () => void;
}

interface Round {
  firstMs: number;
  singleTokensPerS: number;
  loadTokensPerS: number;
  cpuUsPerToken: number;
  busy: number;
  rssMiB: number;
  /** CPU of this process (the client) per token, concurrent phase */
  clientUsPerToken: number;
}

function checked(result: StreamResult, expected: number, label: string): StreamResult {
  if (result.tokens !== expected) throw new Error(`${label}: a stream gave ${result.tokens} tokens, not ${expected}`);
  return result;
}

async function measure(subject: Subject, args: Args): Promise<Round> {
  const singles: StreamResult[] = [];
  for (let i = 0; i < args.single; i++) singles.push(checked(await subject.stream(i), args.tokens, subject.label));
  const cpuBefore = cpuMicros(subject.process.pid);
  const clientBefore = process.cpuUsage();
  const wallStart = performance.now();
  const deadline = wallStart + args.durationS * 1000;
  let tokens = 0;
  let next = 0;
  await Promise.all(
    Array.from({ length: args.streams }, async () => {
      while (performance.now() < deadline) tokens += checked(await subject.stream(next++), args.tokens, subject.label).tokens;
    }),
  );
  const wallMs = performance.now() - wallStart;
  const cpu = cpuMicros(subject.process.pid) - cpuBefore;
  const client = process.cpuUsage(clientBefore);
  return {
    clientUsPerToken: (client.user + client.system) / tokens,
    firstMs: median(singles.map((single) => single.firstMs)),
    singleTokensPerS: median(singles.map((single) => (single.tokens / single.totalMs) * 1000)),
    loadTokensPerS: (tokens / wallMs) * 1000,
    cpuUsPerToken: cpu / tokens,
    busy: cpu / (wallMs * 1000),
    rssMiB: rssKiB(subject.process.pid) / 1024,
  };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const pinned = os.cpus().length > 1;
  const loadAverageStart = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  if (pinned) execFileSync('taskset', ['-a', '-cp', String(LOAD_CORE), String(process.pid)], { stdio: 'ignore' });
  const started: SubjectProcess[] = [];
  const subjects: Subject[] = [];
  const node = (name: string, script: string, scriptArgs: string[], core: number) => {
    const subject = startSubject({ name, command: process.execPath, args: [script, ...scriptArgs], core, cwd: REPO_ROOT });
    started.push(subject);
    return subject;
  };
  try {
    const executor = node('stream executor', path.join(HERE, 'stream-executor.js'), ['0'], LOAD_CORE);
    const executorPort = await readyPort(executor);
    const flowFlags = [
      '--graph-description', JSON.stringify({ 'start-gateway': ['tokens'], tokens: ['end-gateway'] }),
      '--deployments-addresses', JSON.stringify({ tokens: [`grpc://127.0.0.1:${executorPort}`] }),
      '--host', '127.0.0.1',
    ];
    const want = new Set(args.subjects);
    if (want.has('X')) {
      const { stream, close } = grpcStreamer(executorPort, args.tokens);
      subjects.push({ id: 'X', label: 'X: stream_doc to the executor directly', process: executor, stream, close });
    }
    const gateways: [string, 'ours' | 'jina', 'http' | 'grpc', string][] = [
      ['D', 'ours', 'http', 'D: our gateway, SSE'],
      ['G', 'ours', 'grpc', 'G: our gateway, gRPC stream_doc'],
      ['P', 'jina', 'http', "P: Jina's gateway, SSE"],
      ['Q', 'jina', 'grpc', "Q: Jina's gateway, gRPC stream_doc"],
    ];
    for (const [id, kind, protocol, label] of gateways) {
      if (!want.has(id)) continue;
      const port = await freePort();
      const gateway =
        kind === 'ours'
          ? node(label, GATEWAY_MAIN, [...flowFlags, '--protocol', protocol, '--port', String(port)], SUBJECT_CORE)
          : startSubject({ name: label, command: JINA, args: ['gateway', ...flowFlags, '--protocol', protocol.toUpperCase(), '--port', String(port)], core: SUBJECT_CORE, cwd: REPO_ROOT, env: { ...process.env, ...JINA_ENV } });
      if (kind === 'jina') started.push(gateway);
      if (protocol === 'http') subjects.push({ id, label, process: gateway, stream: sseStreamer(port, args.tokens) });
      else {
        const { stream, close } = grpcStreamer(port, args.tokens);
        subjects.push({ id, label, process: gateway, stream, close });
      }
    }
    for (const subject of subjects) {
      await waitReady(subject.process, async () => (await subject.stream(0)).tokens === args.tokens, 90_000);
    }
    console.log(`ready: ${subjects.map((subject) => subject.label).join(', ')}`);

    const rounds = new Map<string, Round[]>(subjects.map((subject) => [subject.id, []]));
    for (const subject of subjects) await measure(subject, { ...args, single: 3, durationS: 1 }); // warm-up
    for (let round = 1; round <= args.rounds; round++) {
      for (const subject of subjects) {
        const result = await measure(subject, args);
        rounds.get(subject.id)!.push(result);
        console.log(`round ${round} ${subject.label}: first doc ${result.firstMs.toFixed(2)} ms, one stream ${result.singleTokensPerS.toFixed(0)} tokens/s, ${args.streams} streams ${result.loadTokensPerS.toFixed(0)} tokens/s, ${result.cpuUsPerToken.toFixed(1)} CPU-µs/token`);
      }
    }
    const loadAverageEnd = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
    const rows = subjects.map((subject) => {
      const list = rounds.get(subject.id)!;
      const pick = (key: keyof Round) => median(list.map((round) => round[key]));
      return { id: subject.id, label: subject.label, firstMs: pick('firstMs'), singleTokensPerS: pick('singleTokensPerS'), loadTokensPerS: pick('loadTokensPerS'), cpuUsPerToken: pick('cpuUsPerToken'), busy: pick('busy'), rssMiB: pick('rssMiB'), clientUsPerToken: pick('clientUsPerToken') };
    });
    console.log(
      `machine: ${os.cpus().length} x ${os.cpus()[0]?.model ?? '?'}, node ${process.version}; ${pinned ? `gateways on core ${SUBJECT_CORE}, executor and client on core ${LOAD_CORE}` : 'not pinned'}; ` +
        `${args.tokens} tokens per stream, ${args.single} single streams, ${args.streams} concurrent streams x ${args.durationS} s, ${args.rounds} rounds, medians; load average ${loadAverageStart} at start, ${loadAverageEnd} at end`,
    );
    console.log('| subject | time to first doc, ms | one stream, tokens/s | concurrent, tokens/s | subject CPU-µs/token | subject busy | RSS MiB | client CPU-µs/token |');
    console.log('|---|--:|--:|--:|--:|--:|--:|--:|');
    for (const row of rows) {
      const cpu = row.id === 'X' ? '(executor)' : row.cpuUsPerToken.toFixed(1);
      console.log(`| ${row.label} | ${row.firstMs.toFixed(2)} | ${row.singleTokensPerS.toFixed(0)} | ${row.loadTokensPerS.toFixed(0)} | ${cpu} | ${(row.busy * 100).toFixed(0)}% | ${row.rssMiB.toFixed(0)} | ${row.clientUsPerToken.toFixed(1)} |`);
    }
    const byId = Object.fromEntries(rows.map((row) => [row.id, row]));
    const ratio = (a: string, b: string, key: 'loadTokensPerS' | 'singleTokensPerS') => (byId[a] && byId[b] ? (byId[a][key] / byId[b][key]).toFixed(2) : '-');
    console.log(`D/P concurrent tokens/s ${ratio('D', 'P', 'loadTokensPerS')}, one stream ${ratio('D', 'P', 'singleTokensPerS')}; G/Q concurrent ${ratio('G', 'Q', 'loadTokensPerS')}, one stream ${ratio('G', 'Q', 'singleTokensPerS')}`);
    if (args.json) writeFileSync(args.json, JSON.stringify({ node: process.version, cpus: os.cpus().length, loadAverage: { start: loadAverageStart, end: loadAverageEnd }, args: { ...args }, rows }, null, 2));
  } finally {
    for (const subject of subjects) subject.close?.();
    await Promise.all(started.map((subject) => subject.stop()));
  }
}

await main();
