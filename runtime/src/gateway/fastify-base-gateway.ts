/**
 * `FastifyBaseGateway` (Jina's `FastAPIBaseGateway`): a custom gateway that is one fastify app.
 * The subclass only provides `app` — a getter (`get app() { ... return app; }`, read once, as
 * Jina reads its `app` property), a field, or a factory function, sync or async — and the runtime:
 *
 * - waits for endpoint discovery of every Flow node, as Jina's gateway does before it serves
 *   (so the port only opens, and `GET /` only answers, once the executors do);
 * - adds `GET /` → 200 `{}` (the health check of Jina, its probes and `jina ping gateway`) unless
 *   the app defines `GET /` itself;
 * - binds the app to `host` and the first port;
 * - on shutdown, stops accepting and lets requests in flight finish (fastify's `close()`).
 *
 * TLS (`--ssl-certfile` / `--ssl-keyfile`) needs the app to be created with it, as fastify decides
 * http or https at creation: `fastify({ https: this.httpsOptions })` (null without TLS). An app
 * created without it while TLS was asked for is refused rather than served in clear text.
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Server as TlsServer } from 'node:tls';
import type { FastifyInstance } from 'fastify';
import { discoverFlow } from '../protocols/http/discovery.js';
import { contextOf, Gateway } from './gateway.js';

// Any server type: http, https or http2 apps are all served the same way.
export type FastifyApp = FastifyInstance<any, any, any, any, any>;

/** What a subclass gives as `app`. */
export type FastifyAppSource = FastifyApp | Promise<FastifyApp> | (() => FastifyApp | Promise<FastifyApp>);

export abstract class FastifyBaseGateway<P extends object = Record<string, unknown>> extends Gateway<P> {
  /** The fastify app to serve (see the class comment for the forms it may take). */
  abstract readonly app: FastifyAppSource;
  #served: FastifyApp | undefined;
  #closed: Promise<void> | undefined;
  #shuttingDown = false;
  readonly #inflight = new Set<ServerResponse>();

  /** The app being served, once `setupServer()` read it. */
  get server(): FastifyApp | undefined {
    return this.#served;
  }

  /** `https` option of `fastify()` for `--ssl-certfile` / `--ssl-keyfile`; null without TLS. */
  get httpsOptions(): { cert: Buffer; key: Buffer } | null {
    const { sslCertfile, sslKeyfile } = this.runtimeArgs;
    if (sslCertfile === undefined || sslKeyfile === undefined) return null;
    return { cert: readFileSync(sslCertfile), key: readFileSync(sslKeyfile) };
  }

  override async setupServer(): Promise<void> {
    const app = await this.readApp();
    this.#served = app;
    this.#closed = new Promise<void>((resolve) => app.addHook('onClose', (_instance, done) => {
      resolve();
      done();
    }));
    // Known responses in flight, so that shutdown can answer them on connections that then close
    (app.server as Server).on('request', (_request: IncomingMessage, response: ServerResponse) => {
      this.#inflight.add(response);
      response.once('close', () => this.#inflight.delete(response));
      if (this.#shuttingDown) response.setHeader('connection', 'close');
    });
    if (this.protocols[0] !== 'http') {
      this.logger.warn(
        `${this.constructor.name} serves HTTP on port ${this.port}, but the first protocol is ${this.protocols[0]}: health checks (Jina's, its probes', jina ping) will use ${this.protocols[0]}; start it with --protocol http`,
      );
    }
    const tls = this.runtimeArgs.sslCertfile !== undefined;
    if (tls && !(app.server instanceof TlsServer)) {
      throw new Error(
        `--ssl-certfile/--ssl-keyfile are given but ${this.constructor.name}'s app serves plain HTTP: create it with fastify({ https: this.httpsOptions })`,
      );
    }
    // Registered last, so the routes of the user's plugins are known when it looks for `GET /`.
    await app.register(async (instance) => {
      if (!instance.hasRoute({ method: 'GET', url: '/' })) instance.get('/', async () => ({}));
    });
    await discoverFlow(this.streamer, { logger: this.logger, signal: this.signal });
    await app.listen({ host: this.host, port: this.port });
    this.logger.info(`${this.constructor.name} listening on ${tls ? 'https' : 'http'}://${this.host}:${this.port}`);
  }

  override async runServer(): Promise<void> {
    await this.#closed;
  }

  override async shutdown(): Promise<void> {
    if (this.#shuttingDown) return;
    this.#shuttingDown = true;
    const app = this.#served;
    if (app === undefined) return;
    // Requests in flight are answered, on connections that close afterwards (not kept alive);
    // fastify's close() stops accepting and closes idle connections. Past the grace period,
    // whatever is left is cut.
    for (const response of this.#inflight) if (!response.headersSent) response.setHeader('connection', 'close');
    const server = app.server as Server;
    const timer = setTimeout(() => server.closeAllConnections(), contextOf(this).shutdownGraceMs);
    try {
      await app.close();
    } finally {
      clearTimeout(timer);
    }
  }

  private async readApp(): Promise<FastifyApp> {
    const source = this.app;
    const app = typeof source === 'function' ? await source.call(this) : await source;
    if (!isFastifyApp(app)) throw new Error(`${this.constructor.name}.app is not a fastify app (or a function returning one)`);
    return app;
  }
}

function isFastifyApp(value: unknown): value is FastifyApp {
  return typeof value === 'object' && value !== null && typeof (value as { listen?: unknown }).listen === 'function' && typeof (value as { hasRoute?: unknown }).hasRoute === 'function';
}
