/**
 * An OTLP/gRPC trace receiver for tests (test/python/otlp_receiver.py: TraceService/Export
 * decoded with the published opentelemetry-proto package of the venv), run as a child process:
 * whatever exports to `http://127.0.0.1:<port>` (our gateway, Jina's executors) shows up in
 * `spans()`. No network beyond loopback, no collector binary.
 */
import path from 'node:path';
import { JINA_ENV, REPO_ROOT, venvPython } from './jina.js';
import { type ManagedProcess, startProcess } from './processes.js';

export interface ReceivedSpan {
  /** The resource's service.name. */
  service: string;
  name: string;
  kind: 'UNSPECIFIED' | 'INTERNAL' | 'SERVER' | 'CLIENT' | 'PRODUCER' | 'CONSUMER';
  traceId: string;
  spanId: string;
  /** '' for a root span. */
  parentSpanId: string;
  attributes: Record<string, unknown>;
  status: { code: 'UNSET' | 'OK' | 'ERROR'; message: string };
}

export interface OtlpReceiver {
  port: number;
  process: ManagedProcess;
  spans(): ReceivedSpan[];
  /**
   * Waits until `found` returns a value for the spans received so far (or fails after `timeoutMs`,
   * naming `what`); `flush` runs before each look (e.g. an in-process provider's forceFlush).
   */
  waitFor<T>(what: string, found: (spans: ReceivedSpan[]) => T | undefined, options?: { flush?: () => Promise<void>; timeoutMs?: number }): Promise<T>;
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const proc = await startProcess({
    name: 'otlp receiver',
    command: venvPython(),
    args: [path.join(REPO_ROOT, 'test', 'python', 'otlp_receiver.py')],
    env: { ...JINA_ENV },
    ready: async (started) => void (await started.waitForOutput(/LISTENING (\d+)/)),
    readyTimeoutMs: 30_000,
  });
  const port = Number((await proc.waitForOutput(/LISTENING (\d+)/))[1]);
  const spans = (): ReceivedSpan[] =>
    [...proc.output().matchAll(/^SPAN (.*)$/gm)].map((match) => JSON.parse(match[1]!) as ReceivedSpan);
  return {
    port,
    process: proc,
    spans,
    async waitFor(what, found, { flush, timeoutMs = 30_000 } = {}) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        await flush?.();
        const result = found(spans());
        if (result !== undefined) return result;
        if (Date.now() > deadline) throw new Error(`the OTLP receiver did not get ${what} within ${timeoutMs} ms; spans received:\n${JSON.stringify(spans(), null, 1)}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
  };
}
