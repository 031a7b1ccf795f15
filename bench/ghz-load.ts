/**
 * Optional gRPC load from ghz (https://ghz.sh, Go), when `.tools/bin/ghz` is installed
 * (`GOBIN=$PWD/.tools/bin go install github.com/bojand/ghz/cmd/ghz@v0.120.0`): a load generator
 * much cheaper per call than a grpc-js client, to cross-check that a Node load generator does not
 * decide the result. Closed loop: `concurrency` workers on one connection for `durationMs`.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface GhzResult {
  requests: number;
  errors: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  firstError: string | undefined;
}

interface GhzReport {
  count: number;
  rps: number;
  statusCodeDistribution?: Record<string, number>;
  errorDistribution?: Record<string, number>;
  latencyDistribution?: Array<{ percentage: number; latency: number }> | null;
}

export function ghzPath(repoRoot: string): string | undefined {
  const ghz = path.join(repoRoot, '.tools', 'bin', 'ghz');
  return existsSync(ghz) ? ghz : undefined;
}

export async function runGhz(options: {
  ghz: string;
  /** pin to this core (taskset), or undefined */
  core: number | undefined;
  address: string;
  /** `package.Service.method` */
  call: string;
  /** compiled descriptor set with the method and its imports (reflection leaves out google.protobuf types) */
  protoset: string;
  request: Buffer;
  concurrency: number;
  durationMs: number;
}): Promise<GhzResult> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ghz-'));
  try {
    const data = path.join(dir, 'request.bin');
    const out = path.join(dir, 'report.json');
    writeFileSync(data, options.request);
    const ghzArgs = [
      '--insecure',
      '--protoset', options.protoset,
      '--call', options.call,
      '--binary-file', data,
      '--concurrency', String(options.concurrency),
      '--connections', '1',
      '--duration', `${options.durationMs}ms`,
      '--format', 'json',
      '--output', out,
      options.address,
    ];
    const [command, args] = options.core === undefined ? [options.ghz, ghzArgs] : ['taskset', ['-c', String(options.core), options.ghz, ...ghzArgs]];
    await new Promise<void>((resolve, reject) => {
      execFile(command, args, { maxBuffer: 64 * 1024 * 1024 }, (error, _stdout, stderr) => (error ? reject(new Error(`ghz: ${error.message}\n${stderr}`)) : resolve()));
    });
    const report = JSON.parse(readFileSync(out, 'utf8')) as GhzReport;
    const ok = report.statusCodeDistribution?.OK ?? 0;
    // ghz ends at the deadline by closing its connection: the calls then in flight (at most
    // `concurrency`) fail with Unavailable/Canceled; they are not the subject's errors
    const failed = report.count - ok;
    const errors = failed <= options.concurrency && Object.keys(report.errorDistribution ?? {}).every((e) => /closed network connection|connection is closing|context canceled|deadline/i.test(e)) ? 0 : failed;
    const latency = (q: number) => (report.latencyDistribution?.find((l) => l.percentage === q)?.latency ?? NaN) / 1e6;
    return {
      requests: ok,
      errors,
      rps: report.rps * (report.count ? ok / report.count : 0),
      p50Ms: latency(50),
      p99Ms: latency(99),
      firstError: errors ? JSON.stringify(report.errorDistribution ?? report.statusCodeDistribution) : undefined,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
