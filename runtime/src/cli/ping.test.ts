import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { parsePingArgv, ping } from './ping.js';

describe('parsePingArgv', () => {
  it("reads Jina's forms, including the liveness probe's \"--timeout 9500\" as one argv element", () => {
    const parsed = parsePingArgv(['gateway', 'http://127.0.0.1:8080', '--timeout 9500']);
    expect(parsed.ok && parsed.value).toEqual({ target: 'gateway', host: 'http://127.0.0.1:8080', timeoutMs: 9500, attempts: 1, minSuccessfulAttempts: 1 });
    const full = parsePingArgv(['flow', '127.0.0.1:1234', '--attempts', '3', '--min-successful-attempts', '2']);
    expect(full.ok && full.value).toMatchObject({ target: 'flow', attempts: 3, minSuccessfulAttempts: 2, timeoutMs: 3000 });
  });

  it('names what is wrong', () => {
    const cases: Array<[string[], string]> = [
      [['pod', 'x:1'], 'expected what to ping, gateway, executor or flow; got "pod"'],
      [['gateway'], "expected the gateway's address"],
      [['gateway', 'ftp://h:1'], 'unknown scheme "ftp"'],
      [['gateway', 'http://nohost'], 'expected host:port'],
      [['gateway', 'h:1', '--timeout', 'soon'], '--timeout: expected a non-negative integer'],
    ];
    for (const [argv, message] of cases) {
      const result = parsePingArgv(argv);
      expect(!result.ok && result.error.message, argv.join(' ')).toContain(message);
    }
  });
});

describe('ping', () => {
  it('fails (exit 1 in the command) with the reason when nothing listens, after every attempt', async () => {
    const server = createServer();
    const port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
    await new Promise((resolve) => server.close(resolve));
    for (const host of [`grpc://127.0.0.1:${port}`, `http://127.0.0.1:${port}`]) {
      const report = await ping({ target: 'gateway', host, timeoutMs: 1000, attempts: 2, minSuccessfulAttempts: 1 }, 10);
      expect(report.ok).toBe(false);
      expect(report.successes).toBe(0);
      expect(report.failures).toHaveLength(2);
      expect(report.failures[0]).toMatch(/ECONNREFUSED|UNAVAILABLE/);
    }
  });
});
