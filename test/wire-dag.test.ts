/**
 * Differential: a three-node DAG (fan-out to two real Jina executors, then a join that needs the
 * merged doc) through our GatewayStreamer gives the same documents as Jina's own gateway started
 * on the same graph (`jina gateway --graph-description … --deployments-addresses … --protocol http`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Doc, docToJson, GatewayStreamer } from '../runtime/src/index.js';
import { EXECUTORS, type GraphDescription, type JinaExecutor, type JinaGateway, startJinaExecutor, startJinaGateway } from './support/jina.js';
import { useProcessRegistry } from './support/processes.js';

useProcessRegistry();

const GRAPHS: Record<string, GraphDescription> = {
  'fan-out then join': { 'start-gateway': ['dagA', 'dagB'], dagA: ['dagJoin'], dagB: ['dagJoin'], dagJoin: ['end-gateway'] },
  'chain a -> b -> join': { 'start-gateway': ['dagA'], dagA: ['dagB'], dagB: ['dagJoin'], dagJoin: ['end-gateway'] },
};

const executors = {} as Record<'dagA' | 'dagB' | 'dagJoin', JinaExecutor>;
const jinaGateways: Record<string, JinaGateway> = {};
const streamers: GatewayStreamer[] = [];

beforeAll(async () => {
  await Promise.all(
    (['dagA', 'dagB', 'dagJoin'] as const).map(async (name) => {
      executors[name] = await startJinaExecutor({ name, ...EXECUTORS[name] });
    }),
  );
  const addresses = Object.fromEntries(Object.values(executors).map((executor) => [executor.name, executor.addresses]));
  await Promise.all(
    Object.entries(GRAPHS).map(async ([label, graph]) => {
      jinaGateways[label] = await startJinaGateway({ protocol: 'http', graphDescription: graph, deploymentsAddresses: addresses });
    }),
  );
});

afterAll(() => {
  for (const streamer of streamers) streamer.close();
});

const INPUT: Doc[] = [
  { id: 'd1', text: 'x' },
  { id: 'd2', text: 'yy' },
  { id: 'd3', text: null },
];

async function viaJina(gateway: JinaGateway): Promise<unknown[]> {
  const response = await fetch(`${gateway.httpUrl}/dag`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ data: INPUT }),
  });
  expect(response.status).toBe(200);
  const body = (await response.json()) as { data: unknown[] };
  return body.data;
}

async function viaStreamer(graph: GraphDescription): Promise<unknown[]> {
  const streamer = new GatewayStreamer({
    graphDescription: graph,
    deploymentsAddresses: Object.fromEntries(Object.values(executors).map((executor) => [executor.name, executor.addresses])),
  });
  streamers.push(streamer);
  const out: unknown[] = [];
  for await (const docs of streamer.streamDocs({ docs: INPUT, execEndpoint: '/dag' })) out.push(...docs.map((doc) => docToJson(doc)));
  return out;
}

describe('three-node DAG: our streamer vs Jina gateway', () => {
  it.each(Object.keys(GRAPHS))('%s gives the same documents', async (label) => {
    const [jina, ours] = await Promise.all([viaJina(jinaGateways[label]!), viaStreamer(GRAPHS[label]!)]);
    expect(ours).toEqual(jina);
    // and the join really saw both branches' fields on one doc
    expect(ours[0]).toMatchObject({ id: 'd1', text_a: 'a:x', text_b: 'b:x', text_join: 'a:x+b:x' });
    expect(ours).toHaveLength(3);
  });
});
