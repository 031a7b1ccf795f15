/**
 * A custom gateway on the plain `Gateway` base class: it runs its own node:http server, sends
 * `POST /service` bodies through the whole Flow with `this.streamer.streamDocs(...)`, and
 * answers `GET /` from the health the runtime keeps (200 while serving, 503 while starting or
 * draining), which is what Jina's probes and `jina ping gateway http://...` check.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { readFileSync } from 'node:fs';
import { type Doc, ExecutorError, Gateway } from '@jina-ts/runtime';

interface FlowParams {
  /** The Flow endpoint `/service` calls. */
  endpoint: string;
}

export class FlowGateway extends Gateway<FlowParams> {
  static parameters: FlowParams = { endpoint: '/work' };
  private server: Server | undefined;
  private closed: Promise<void> = Promise.resolve();

  async setupServer(): Promise<void> {
    const { sslCertfile, sslKeyfile } = this.runtimeArgs;
    const handler = (request: IncomingMessage, response: ServerResponse) => void this.handle(request, response);
    const server =
      sslCertfile !== undefined && sslKeyfile !== undefined
        ? createTlsServer({ cert: readFileSync(sslCertfile), key: readFileSync(sslKeyfile) }, handler)
        : createServer(handler);
    this.server = server;
    this.closed = new Promise((resolve) => server.once('close', () => resolve()));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, this.host, () => resolve());
    });
    this.logger.info(`FlowGateway listening on ${this.host}:${this.port}`);
  }

  async runServer(): Promise<void> {
    await this.closed;
  }

  async shutdown(): Promise<void> {
    // close() stops accepting and resolves once the requests in flight are answered
    const server = this.server;
    if (server === undefined || !server.listening) return;
    server.closeIdleConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const reply = (status: number, body: unknown): void => {
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    if (request.method === 'GET' && request.url === '/') return reply(this.health.serving ? 200 : 503, {});
    if (request.method !== 'POST' || request.url !== '/service') return reply(404, { detail: `no route ${request.method} ${request.url}` });
    let texts: unknown;
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      texts = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { texts?: unknown }).texts;
    } catch {
      return reply(400, { detail: 'the body must be JSON: {"texts": ["...", ...]}' });
    }
    if (!Array.isArray(texts) || !texts.every((text) => typeof text === 'string')) {
      return reply(422, { detail: 'body.texts must be a list of strings' });
    }
    try {
      const docs: Doc[] = [];
      for await (const batch of this.streamer.streamDocs({ docs: texts.map((text) => ({ text })), execEndpoint: this.params.endpoint })) {
        docs.push(...batch);
      }
      reply(200, { docs });
    } catch (error) {
      if (error instanceof ExecutorError) return reply(500, { detail: `${error.name} in ${error.executor}: ${error.message}` });
      reply(503, { detail: error instanceof Error ? error.message : String(error) });
    }
  }
}
