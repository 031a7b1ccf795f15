/**
 * How many times the gateway copies an L payload's tensor bytes (1 doc, 1 MiB float32) on one
 * hop, counted rather than assumed. Our gRPC gateway runs in this process, in front of the echo
 * executor E (its own process). A client in a third process sends `--requests` process_single_data
 * requests. Every JavaScript-visible copy of at least 4 KiB in this process is recorded with its
 * stack (a body copied frame by frame counts as its frames): Buffer.concat, Buffer#copy, TypedArray#set, TypedArray#slice, and Buffer.from
 * of a view. The copies are grouped by the first frame outside Node's own code, and the bytes
 * each site copies per request are printed, in tensors (1 MiB). Copies made in C++ (node:http2 or the socket's reads into new buffers) are not seen
 * here: they are the kernel-to-user reads that any gateway pays once per leg.
 *
 *   node bench/dist/tensor-copies.js [--requests 20] [--json out.json]
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Client, credentials } from '@grpc/grpc-js';
import { dataContentFromDocList, encodeDataRequest, encodeDocList, NdArray, newRequestId, startGateway } from '@jina-ts/runtime';
import { readyPort, startSubject } from './subject-process.js';

const TENSOR_BYTES = 1024 * 1024;
/** Copies are counted from this size up: a 1 MiB body copied frame by frame (16 KiB) is still counted. */
const SEEN_FROM = 4 * 1024;

function lRequest(): Buffer {
  return encodeDataRequest({
    header: { requestId: newRequestId(), status: undefined, execEndpoint: '/echo' },
    parameters: {},
    routes: [],
    data: dataContentFromDocList(encodeDocList([{ id: 'd0', embedding: new NdArray(new Float32Array(TENSOR_BYTES / 4).fill(1), [TENSOR_BYTES / 4], '<f4') }])),
  });
}

/** The client: `tensor-copies.js client PORT N` sends N requests one after another, then prints "done". */
async function client(port: number, count: number): Promise<void> {
  const identity = (value: Buffer) => value;
  const grpc = new Client(`127.0.0.1:${port}`, credentials.createInsecure(), { 'grpc.max_receive_message_length': -1, 'grpc.max_send_message_length': -1 });
  const bytes = lRequest();
  for (let i = 0; i < count; i++) {
    await new Promise<void>((resolve, reject) =>
      grpc.makeUnaryRequest('/jina.JinaSingleDataRequestRPC/process_single_data', identity, identity, bytes, (error, value) =>
        error ? reject(error) : value!.length < TENSOR_BYTES ? reject(new Error(`short answer: ${value!.length} bytes`)) : resolve(),
      ),
    );
  }
  grpc.close();
  console.log('done');
}

interface Copy {
  what: string;
  bytes: number;
  where: string;
}

const copies: Copy[] = [];
let recording = false;

/** The first stack frames outside node: internals, shortened to package/file:line. */
function where(): string {
  const frames = (new Error().stack ?? '').split('\n').slice(3);
  const outside = frames.filter((frame) => !frame.includes('node:') && !frame.includes('tensor-copies.js'));
  return outside
    .slice(0, 2)
    .map((frame) => {
      const match = /\(?([^()\s]+):(\d+):\d+\)?$/.exec(frame.trim());
      if (match === null) return frame.trim();
      const file = match[1]!.replace(/^file:\/\//, '');
      const short = file.includes('node_modules/') ? file.slice(file.lastIndexOf('node_modules/') + 13) : file.slice(file.indexOf('runtime/') >= 0 ? file.indexOf('runtime/') : 0);
      return `${short}:${match[2]}`;
    })
    .join(' < ');
}

function record(what: string, bytes: number): void {
  if (recording && bytes >= SEEN_FROM) copies.push({ what, bytes, where: where() });
}

function patchCopies(): void {
  const concat = Buffer.concat;
  Buffer.concat = function (list: readonly Uint8Array[], totalLength?: number) {
    const result = concat.call(Buffer, list, totalLength);
    if (list.length > 1) record('Buffer.concat', result.length);
    return result;
  } as typeof Buffer.concat;
  const copy = Buffer.prototype.copy;
  Buffer.prototype.copy = function (this: Buffer, ...args: Parameters<Buffer['copy']>) {
    const copied = copy.apply(this, args);
    record('Buffer#copy', copied);
    return copied;
  };
  const set = Uint8Array.prototype.set;
  Uint8Array.prototype.set = function (this: Uint8Array, source: ArrayLike<number>, offset?: number) {
    record('Uint8Array#set', source.length);
    return set.call(this, source, offset);
  };
  const slice = Uint8Array.prototype.slice;
  Uint8Array.prototype.slice = function (this: Uint8Array, start?: number, end?: number) {
    const result = slice.call(this, start, end);
    // Buffer#slice is a view (Buffer overrides it); only a typed array's slice copies
    if (!Buffer.isBuffer(this)) record('Uint8Array#slice', result.length);
    return result;
  };
  const from = Buffer.from;
  Buffer.from = function (value: unknown, ...rest: unknown[]) {
    const result = (from as (...args: unknown[]) => Buffer).call(Buffer, value, ...rest);
    if (ArrayBuffer.isView(value)) record('Buffer.from(view)', result.length);
    return result;
  } as typeof Buffer.from;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === 'client') return client(Number(argv[1]), Number(argv[2]));
  let requests = 20;
  let json: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[++i];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === '--requests') requests = Number(value);
    else if (flag === '--json') json = value;
    else throw new Error(`unknown option ${flag}`);
  }
  const here = fileURLToPath(import.meta.url);
  const echo = startSubject({ name: 'echo executor E', command: process.execPath, args: [fileURLToPath(new URL('./echo-executor.js', import.meta.url)), '0'] });
  const executorPort = await readyPort(echo);
  const started = await startGateway({
    args: {
      graphDescription: { 'start-gateway': ['echo'], echo: ['end-gateway'] },
      deploymentsAddresses: { echo: [`grpc://127.0.0.1:${executorPort}`] },
      host: '127.0.0.1',
      protocols: ['grpc'],
    },
    logDestination: { write: () => undefined },
    env: {},
  });
  if (!started.ok) throw new Error(started.error.message);
  const gateway = started.value;
  await gateway.ready;
  patchCopies();
  const run = (count: number) =>
    new Promise<void>((resolve, reject) => {
      const child = spawn(process.execPath, [here, 'client', String(gateway.ports[0]), String(count)], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      child.once('exit', (code) => (code === 0 && out.includes('done') ? resolve() : reject(new Error(`client exited ${code}: ${out}`))));
    });
  try {
    await run(3); // warm-up: connections, JIT
    recording = true;
    await run(requests);
    recording = false;
  } finally {
    await gateway.stop();
    await echo.stop();
  }
  const bySite = new Map<string, { what: string; count: number; bytes: number }>();
  for (const copy of copies) {
    const key = `${copy.what} at ${copy.where}`;
    const entry = bySite.get(key) ?? { what: copy.what, count: 0, bytes: 0 };
    entry.count++;
    entry.bytes += copy.bytes;
    bySite.set(key, entry);
  }
  const total = copies.reduce((sum, copy) => sum + copy.bytes, 0);
  console.log(`node ${process.version}; gRPC gateway in front of E, ${requests} L requests (1 doc, 1 MiB float32 tensor; request ${lRequest().length} bytes)`);
  console.log(`bytes copied (copies of >= ${SEEN_FROM / 1024} KiB) in the gateway process per request: ${(total / requests / TENSOR_BYTES).toFixed(2)} x the tensor's bytes`);
  console.log('| copy | site | calls per request | tensors copied per request |');
  console.log('|---|---|--:|--:|');
  for (const [key, entry] of bySite) {
    console.log(`| ${entry.what} | ${key.slice(entry.what.length + 4)} | ${(entry.count / requests).toFixed(2)} | ${(entry.bytes / requests / TENSOR_BYTES).toFixed(2)} |`);
  }
  if (json) writeFileSync(json, JSON.stringify({ node: process.version, requests, perRequest: copies.length / requests, tensorCopiesPerRequest: total / requests / TENSOR_BYTES, sites: Object.fromEntries(bySite) }, null, 2));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
