/**
 * Schemathesis against the built-in HTTP gateway's /openapi.json, in front of real Jina executors
 * (endpoint kinds with a generator endpoint and an executor that raises, TextDoc echo, tensors,
 * nested docs): generated and mutated requests for every operation it documents, with the checks
 * of test/support/schemathesis.ts. The generated gateway's document is run through the same in
 * test/generator-create-gateway.test.ts.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayStreamer, type ProtocolServer } from '../runtime/src/index.js';
import { startHttpGateway } from '../runtime/src/protocols/http/index.js';
import { EXECUTORS, singleNodeGraph, startJinaExecutor } from './support/jina.js';
import { useProcessRegistry } from './support/processes.js';
import { runSchemathesis } from './support/schemathesis.js';

useProcessRegistry();

const FLOWS = ['kinds', 'echo', 'embedder', 'nested'] as const;
const gateways = {} as Record<(typeof FLOWS)[number], ProtocolServer>;
const streamers: GatewayStreamer[] = [];

beforeAll(async () => {
  await Promise.all(
    FLOWS.map(async (name) => {
      const executor = await startJinaExecutor({ name, ...EXECUTORS[name] });
      const streamer = new GatewayStreamer({ graphDescription: singleNodeGraph(name), deploymentsAddresses: { [name]: executor.addresses } });
      streamers.push(streamer);
      const gateway = await startHttpGateway({ streamer, host: '127.0.0.1', port: 0, logger: pino({ level: 'silent' }), prefetch: 1000 });
      await gateway.ready;
      gateways[name] = gateway;
    }),
  );
});

afterAll(async () => {
  await Promise.all(Object.values(gateways).map((gateway) => gateway.shutdown(1000)));
  for (const streamer of streamers) streamer.close();
});

describe("schemathesis against the built-in HTTP gateway's OpenAPI document", () => {
  it.each(FLOWS)('%s: every documented operation holds to its document, no undeclared 5xx, every 4xx names the problem', async (name) => {
    const result = await runSchemathesis(`http://127.0.0.1:${gateways[name].port}/openapi.json`);
    expect(result.failures, result.output).toEqual([]);
    expect(result.code, result.output).toBe(0);
    expect(result.stdout).toMatch(/\d+ passed/);
  });
});
