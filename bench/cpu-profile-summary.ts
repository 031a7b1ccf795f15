/**
 * Where a process spends its CPU: self time of a `node --cpu-prof` profile grouped by where the
 * code lives (a package in node_modules, a folder of runtime/dist, Node's internals, GC), and the
 * functions with the most self time. Used on the gateways of gateway-throughput.ts (`--cpu-prof`).
 *
 *   node bench/dist/cpu-profile-summary.js <file.cpuprofile> [--requests N] [--top 25]
 *
 * With `--requests`, times are given per request (µs) besides the share of busy time.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  children?: number[];
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

function area(url: string, name: string): string {
  if (!url) return name.startsWith('(') ? name : '(native / V8 builtins)';
  if (url.startsWith('node:')) return `node: ${url.slice(5).split('/').slice(0, 2).join('/')}`;
  const modules = url.lastIndexOf('node_modules/');
  if (modules >= 0) {
    const parts = url.slice(modules + 'node_modules/'.length).split('/');
    return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
  }
  const dist = /runtime\/dist\/(.+)$/.exec(url);
  if (dist) {
    const parts = dist[1]!.split('/');
    return `runtime: ${parts.length > 2 ? parts.slice(0, 2).join('/') : parts[0]}`;
  }
  return url.replace(/^file:\/\//, '');
}

function main(): void {
  const argv = process.argv.slice(2);
  const file = argv[0];
  if (!file) throw new Error('usage: cpu-profile-summary <file.cpuprofile> [--requests N] [--top N]');
  const requests = argv.includes('--requests') ? Number(argv[argv.indexOf('--requests') + 1]) : undefined;
  const top = argv.includes('--top') ? Number(argv[argv.indexOf('--top') + 1]) : 25;
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));

  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  /** The area of the nearest frame (itself or a caller) that is not Node's own or V8's code. */
  const owner = (id: number): string => {
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const { url, functionName } = byId.get(at)!.callFrame;
      if (url && !url.startsWith('node:')) return area(url, functionName);
    }
    const { url, functionName } = byId.get(id)!.callFrame;
    return area(url, functionName);
  };
  const owners = new Map<string, number>();
  const areas = new Map<string, number>();
  const functions = new Map<string, number>();
  let busy = 0;
  for (const [id, us] of selfUs) {
    const node = byId.get(id)!;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') continue;
    busy += us;
    const where = area(url, functionName);
    areas.set(where, (areas.get(where) ?? 0) + us);
    const by = owner(id);
    owners.set(by, (owners.get(by) ?? 0) + us);
    const key = `${functionName || '(anonymous)'} ${url ? `${url.replace(/^.*node_modules\//, '').replace(/^.*runtime\/dist\//, 'runtime/')}:${lineNumber + 1}` : ''}`;
    functions.set(key, (functions.get(key) ?? 0) + us);
  }
  const show = (title: string, entries: Map<string, number>, limit: number) => {
    console.log(`\n${title}`);
    console.log(`| where | busy share | ${requests ? 'µs/request |' : ''}`);
    console.log(`|---|---|${requests ? '---|' : ''}`);
    for (const [name, us] of [...entries].sort((a, b) => b[1] - a[1]).slice(0, limit)) {
      console.log(`| ${name} | ${((us / busy) * 100).toFixed(1)}% | ${requests ? `${(us / requests).toFixed(1)} |` : ''}`);
    }
  };
  console.log(`${file}: busy ${(busy / 1e6).toFixed(2)} s of ${((profile.endTime - profile.startTime) / 1e6).toFixed(2)} s` + (requests ? `, ${(busy / requests).toFixed(1)} µs/request over ${requests} requests` : ''));
  show('self time by area', areas, 30);
  show("self time by the nearest caller outside Node's internals (node:http2 work done for grpc-js counts as grpc-js)", owners, 30);
  show('self time by function', functions, top);
}

main();
