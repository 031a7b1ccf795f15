/**
 * A gateway that starts before its executor, called over gRPC by Jina's Python Client: like
 * Jina's gateway it binds at once and serves the Flow only once endpoint discovery succeeded.
 * Until then every call is refused UNAVAILABLE naming the deployment and its address (Jina's
 * Client raises ConnectionError for it), and once the executor is up the same client is served.
 *
 * The refusal is repeated: sent while the client was still writing its request, it reached the
 * client as INTERNAL "Failed execute_batch" instead (2 of 200 calls), see
 * runtime/src/protocols/grpc/refuse-client-stream.ts.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { type ExecutorServer, type RunningGateway, serveExecutor, startGateway } from '../runtime/src/index.js';
import { runJinaPython } from './support/jina.js';
import { freePort } from './support/ports.js';
import { useProcessRegistry } from './support/processes.js';

useProcessRegistry();

let executor: ExecutorServer | undefined;
let gateway: RunningGateway | undefined;

afterAll(async () => {
  await gateway?.stop();
  await executor?.close();
});

const CLIENT = `
from docarray import DocList
from docarray.documents import TextDoc
from jina import Client

c = Client(host='127.0.0.1', port=INPUT['port'], protocol='grpc')
def attempt():
    try:
        return ' '.join(d.text for d in c.post('/upper', DocList[TextDoc]([TextDoc(text='a')]), return_type=DocList[TextDoc]))
    except Exception as error:
        # the first line: what follows is trailing metadata with a date
        return 'raised ' + type(error).__name__ + ': ' + str(error).split('\\n')[0]
output(sorted({attempt() for _ in range(INPUT['repeat'])}))
`;

const jinaClient = (port: number, repeat: number) => runJinaPython<string[]>(CLIENT, { port, repeat }, { name: 'jina Client against a starting gateway', timeoutMs: 90_000 });

describe('a gRPC gateway started before its executor, called by the Jina Python Client', () => {
  it('refuses every call UNAVAILABLE naming the deployment and its address, then serves once the executor is up', async () => {
    const executorPort = await freePort();
    const started = await startGateway({
      argv: [
        '--graph-description', JSON.stringify({ 'start-gateway': ['upper'], upper: ['end-gateway'] }),
        '--deployments-addresses', JSON.stringify({ upper: [`grpc://127.0.0.1:${executorPort}`] }),
        '--host', '127.0.0.1',
        '--protocol', 'grpc',
      ],
      logDestination: { write: () => undefined },
      env: {},
    });
    if (!started.ok) throw started.error;
    gateway = started.value;
    const port = gateway.ports[0]!;

    const refused = await jinaClient(port, 50);
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatch(/^raised ConnectionError: gRPC error: StatusCode\.UNAVAILABLE the gateway is starting: waiting for endpoint discovery; /);
    expect(refused[0]).toContain(`"upper" at grpc://127.0.0.1:${executorPort}`);

    executor = await serveExecutor({
      name: 'upper',
      host: '127.0.0.1',
      port: executorPort,
      endpoints: { '/upper': { handler: (docs) => docs.map((doc) => ({ ...doc, text: String(doc.text).toUpperCase() })) } },
    });
    await gateway.ready;
    expect(await jinaClient(port, 3)).toEqual(['A']);
  }, 120_000);
});
