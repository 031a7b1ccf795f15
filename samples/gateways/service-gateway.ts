/**
 * A custom gateway that is one fastify app (Jina's FastAPIBaseGateway pattern): `POST /service`
 * asks two executors at once with `executor['a'].post` and `executor['b'].post`, so two
 * 2-second executors answer in about 2 s, not 4. The runtime binds the app, adds `GET /` for
 * health checks, waits for the executors before opening the port, and drains on SIGTERM.
 *
 * Run it as Jina's exports do: `jina gateway --uses samples/gateways/service-gateway.yml
 * --protocol http --port 8080 --deployments-addresses '{"a": [...], "b": [...]}'`.
 */
import fastify from 'fastify';
import { type Doc, type FastifyApp, FastifyBaseGateway } from '@jina-ts/runtime';

interface ServiceParams {
  /** Put in every answer; set in config.yml's `with:` or by `--uses-with`. */
  greeting: string;
  /** How long each executor works, in ms (sent as `parameters.ms`). */
  workMs: number;
}

interface ServiceBody {
  text: string;
}

const SERVICE_BODY = {
  type: 'object',
  properties: { text: { type: 'string', minLength: 1 } },
  required: ['text'],
  additionalProperties: false,
} as const;

export class ServiceGateway extends FastifyBaseGateway<ServiceParams> {
  static parameters: ServiceParams = { greeting: 'hello', workMs: 2000 };

  get app(): FastifyApp {
    const https = this.httpsOptions;
    const app: FastifyApp = https === null ? fastify() : fastify({ https });
    app.post<{ Body: ServiceBody }>('/service', { schema: { body: SERVICE_BODY } }, async (request) => {
      const started = Date.now();
      const ask = (name: string): Promise<Doc[]> =>
        this.executor[name]!.post({ on: '/work', inputs: [{ text: request.body.text }], parameters: { ms: this.params.workMs } });
      const [a, b] = await Promise.all([ask('a'), ask('b')]);
      return { greeting: this.params.greeting, a: a[0], b: b[0], elapsedMs: Date.now() - started };
    });
    return app;
  }
}
