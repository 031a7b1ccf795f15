/**
 * Running Jina wins, so this shows it: Jina 3.34's gateway (pydantic 2) rebuilds an executor's
 * `Optional[float] = None` field (`anyOf: [{type: number}, {type: null}]`) as a list type, and
 * answers 500 ("Input should be a valid list") as soon as the executor fills it in. Same Flow,
 * same request through our HTTP gateway: the floats come back.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayStreamer, type HttpGateway, startHttpGateway } from '../runtime/src/index.js';
import { type JinaExecutor, type JinaGateway, singleNodeGraph, startJinaExecutor, startJinaGateway } from './support/jina.js';
import { useProcessRegistry } from './support/processes.js';

useProcessRegistry();

let executor: JinaExecutor | undefined;
let jina: JinaGateway | undefined;
let ours: HttpGateway | undefined;
let streamer: GatewayStreamer | undefined;

beforeAll(async () => {
  executor = await startJinaExecutor({ name: 'stopwatch', uses: 'Stopwatch', module: 'samples/executors/stopwatch.py' });
  const graph = singleNodeGraph('stopwatch');
  const addresses = { stopwatch: executor.addresses };
  jina = await startJinaGateway({ protocol: 'http', graphDescription: graph, deploymentsAddresses: addresses });
  streamer = new GatewayStreamer({ graphDescription: graph, deploymentsAddresses: addresses });
  ours = await startHttpGateway({ streamer, host: '127.0.0.1', port: 0, logger: pino({ level: 'silent' }), prefetch: 1000 });
  await ours.ready;
});

afterAll(async () => {
  await ours?.shutdown(100);
  streamer?.close();
  await Promise.all([jina?.stop(), executor?.stop()]);
});

async function post(port: number) {
  const response = await fetch(`http://127.0.0.1:${port}/work`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ data: [{ id: 'd1', text: 'time me' }], parameters: { ms: 10 } }),
  });
  return { status: response.status, body: await response.text() };
}

describe('an Optional[float] output field (StampDoc.started / finished)', () => {
  it("Jina's HTTP gateway answers 500; ours returns the executor's floats", async () => {
    const theirs = await post(jina!.port);
    expect(theirs.status).toBe(500);
    const mine = await post(ours!.port);
    expect(mine.status).toBe(200);
    const [doc] = (JSON.parse(mine.body) as { data: Array<{ id: string; text: string; started: number; finished: number }> }).data;
    expect(doc).toMatchObject({ id: 'd1', text: 'time me' });
    expect(typeof doc!.started).toBe('number');
    expect(doc!.finished).toBeGreaterThanOrEqual(doc!.started);
  });
});
