/**
 * The OpenTelemetry SDK is loaded only with --tracing: a gateway started without it (the built
 * runtime, as the `gateway` command runs it) resolves no SDK package, only @opentelemetry/api
 * (the gateway's `tracerProvider` type and no-op default). With --tracing the same process
 * loads them, which shows the check sees what it looks for.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './support/jina.js';

const run = promisify(execFile);

const SCRIPT = `
const { startGateway } = await import(${JSON.stringify(path.join(REPO_ROOT, 'runtime/dist/index.js'))});
const loaded = {};
for (const tracing of [false, true]) {
  const started = await startGateway({
    args: { graphDescription: {}, deploymentsAddresses: {}, host: '127.0.0.1', protocols: ['http'], tracing, tracesExporterHost: 'http://127.0.0.1', tracesExporterPort: 4317 },
    logDestination: { write: () => undefined },
    env: {},
  });
  if (!started.ok) throw new Error(started.error.message);
  loaded[tracing] = [...globalThis.resolvedPackages].filter((name) => name.startsWith('@opentelemetry/')).sort();
  await started.value.stop();
}
console.log(JSON.stringify(loaded));
process.exit(0);
`;

describe('--tracing loads the OpenTelemetry SDK lazily', () => {
  it('resolves no SDK package without --tracing, and the SDK with it', async () => {
    const hooks = path.join(REPO_ROOT, 'test', 'support', 'record-packages.mjs');
    const { stdout } = await run(process.execPath, ['--import', hooks, '--input-type=module', '-e', SCRIPT], { timeout: 60_000 });
    const loaded = JSON.parse(stdout) as { false: string[]; true: string[] };
    expect(loaded.false).toEqual(['@opentelemetry/api']);
    expect(loaded.true).toEqual(expect.arrayContaining(['@opentelemetry/sdk-trace', '@opentelemetry/exporter-trace-otlp-grpc', '@opentelemetry/resources']));
  });
});
