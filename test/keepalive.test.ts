/**
 * Keepalive pings to a Python (Jina) executor: its grpc-core server strikes a ping that comes
 * sooner than 5 minutes after the previous one (without data in between), and on the third strike
 * sends GOAWAY "too_many_pings", which fails every call on the connection. With Jina's own 10 s
 * keepalive, grpc-js (which, unlike grpc-core, keeps pinging) killed any call longer than ~40 s.
 *
 * Shown here in seconds instead of minutes: a 1 s keepalive kills a 6 s call; the channel
 * options of the runtime (6-minute keepalive) let it finish. Both executor transports at once
 * (each client has its own connection, so the strikes do not add up).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataContentFromDocList, DeploymentClient, encodeDataRequest, encodeDocList, EXECUTOR_TRANSPORTS, newRequestId } from '../runtime/src/index.js';
import { EXECUTORS, type JinaExecutor, startJinaExecutor } from './support/jina.js';
import { useProcessRegistry } from './support/processes.js';

useProcessRegistry();

let slow: JinaExecutor | undefined;

beforeAll(async () => {
  slow = await startJinaExecutor({ name: 'slow', ...EXECUTORS.slow });
});

afterAll(async () => {
  await slow?.stop();
});

function sixSecondCall(client: DeploymentClient) {
  const request = encodeDataRequest({
    header: { requestId: newRequestId(), execEndpoint: '/slow', status: undefined },
    parameters: { ms: 6000 },
    routes: [],
    data: dataContentFromDocList(encodeDocList([{ text: 'patience' }])),
  });
  return client.processSingleData(request, { endpoint: '/slow' });
}

describe('keepalive pings to a Jina executor', () => {
  it('pinging every second kills a 6 s call (GOAWAY too_many_pings: UNAVAILABLE on our transport, RESOURCE_EXHAUSTED on grpc-js); the runtime\'s defaults let it finish', async () => {
    const eager = EXECUTOR_TRANSPORTS.map((transport) => new DeploymentClient('slow', slow!.addresses, { retries: 0, transport, channelOptions: { 'grpc.keepalive_time_ms': 1000 } }));
    const patient = EXECUTOR_TRANSPORTS.map((transport) => new DeploymentClient('slow', slow!.addresses, { retries: 0, transport }));
    try {
      const [killed, finished] = await Promise.all([Promise.allSettled(eager.map(sixSecondCall)), Promise.allSettled(patient.map(sixSecondCall))]);
      killed.forEach((outcome, i) => {
        expect(outcome.status, EXECUTOR_TRANSPORTS[i]).toBe('rejected');
        expect(String((outcome as PromiseRejectedResult).reason), EXECUTOR_TRANSPORTS[i]).toMatch(/RESOURCE_EXHAUSTED|too_many_pings|Bandwidth exhausted/);
      });
      expect(finished.map((outcome) => outcome.status)).toEqual(EXECUTOR_TRANSPORTS.map(() => 'fulfilled'));
    } finally {
      for (const client of [...eager, ...patient]) client.close();
    }
  });
});
