/**
 * `FastifyBaseGateway` (Jina's `FastAPIBaseGateway`): a custom gateway that is one fastify app.
 * The subclass only provides `app` — a getter (`get app() { ... return app; }`, read once, as
 * Jina reads its `app` property), a field, or a factory function, sync or async — and the runtime:
 *
 * - waits for endpoint discovery of every Flow node, as Jina's gateway does before it serves
 *   (so the port only opens, and `GET /` only answers, once the executors do);
 * - adds `GET /` → 200 `{}` (the health check of Jina, its probes and `jina ping gateway`) unless
 *   the app defines `GET /` itself, and 405 with `Allow` for a served path asked with another
 *   method (fastify says 404, as if the path were wrong);
 * - with `--auth-token-env` or an `authorize()` of its own, refuses the requests it refuses
 *   (protocols/auth/), `GET /` and CORS preflights excepted; its gRPC port likewise, health excepted;
 * - with `--forward-metadata`, sends the listed request headers on to the executors its handlers call;
 * - binds the app to `host` and the port of `--protocol http` (see Protocols below);
 * - on shutdown, stops accepting and lets requests in flight finish (fastify's `close()`).
 *
 * Protocols: the app is served on the port of `--protocol http` (without one, on the first port
 * that is not gRPC's, with a warning). On the port of `--protocol grpc` the runtime serves Jina's
 * gRPC API (the built-in gRPC gateway: `JinaRPC/Call`, `process_single_data`, `stream_doc`,
 * `endpoint_discovery`, `dry_run`, `_status`, health, reflection) and the subclass's own services
 * next to it (`grpcServices`, e.g. a generated project's typed `gateway.v1.GatewayService`), so
 * `--protocol grpc http --port A B` serves both, and health checks go to the first.
 *
 * TLS (`--ssl-certfile` / `--ssl-keyfile`) needs the app to be created with it, as fastify decides
 * http or https at creation: `fastify({ https: this.httpsOptions })` (null without TLS). An app
 * created without it while TLS was asked for is refused rather than served in clear text.
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Server as TlsServer } from 'node:tls';
import type { FastifyInstance } from 'fastify';
import { type GrpcGateway, type GrpcServiceRegistration, startGrpcGateway } from '../protocols/grpc/grpc-gateway.js';
import { discoverFlow } from '../protocols/http/discovery.js';
import { answerMethodNotAllowed } from '../protocols/http/method-not-allowed.js';
import { requireAuthorization } from '../protocols/auth/http-auth.js';
import { useGatewayLogger } from './executor-routes.js';
import { authenticatorOf, contextOf, Gateway } from './gateway.js';
import { traceFastifyRequests } from '../tracing/fastify-request-spans.js';

// Any server type: http, https or http2 apps are all served the same way.
export type FastifyApp = FastifyInstance<any, any, any, any, any>;

/** What a subclass gives as `app`. */
export type FastifyAppSource = FastifyApp | Promise<FastifyApp> | (() => FastifyApp | Promise<FastifyApp>);

export abstract class FastifyBaseGateway<P extends object = Record<string, unknown>> extends Gateway<P> {
  /** The fastify app to serve (see the class comment for the forms it may take). */
  abstract readonly app: FastifyAppSource;
  #served: FastifyApp | undefined;
  readonly #grpc: GrpcGateway[] = [];
  #closed: Promise<void> | undefined;
  #shuttingDown = false;
  readonly #inflight = new Set<ServerResponse>();

  /** The app being served, once `setupServer()` read it. */
  get server(): FastifyApp | undefined {
    return this.#served;
  }

  /**
   * gRPC services to serve next to Jina's gRPC API on the port of `--protocol grpc` (none by
   * default); read once, when the server starts.
   */
  get grpcServices(): readonly GrpcServiceRegistration[] {
    return [];
  }

  /** The running gRPC fronts (one per `--protocol grpc`). */
  get grpcServers(): readonly GrpcGateway[] {
    return this.#grpc;
  }

  /** `https` option of `fastify()` for `--ssl-certfile` / `--ssl-keyfile`; null without TLS. */
  get httpsOptions(): { cert: Buffer; key: Buffer } | null {
    const { sslCertfile, sslKeyfile } = this.runtimeArgs;
    if (sslCertfile === undefined || sslKeyfile === undefined) return null;
    return { cert: readFileSync(sslCertfile), key: readFileSync(sslKeyfile) };
  }

  override async setupServer(): Promise<void> {
    const protocols = this.protocols;
    const httpIndex = protocols.indexOf('http');
    const appIndex = httpIndex >= 0 ? httpIndex : protocols.findIndex((protocol) => protocol !== 'grpc');
    for (const [index, protocol] of protocols.entries()) {
      if (protocol === 'grpc' || index === appIndex) continue;
      this.logger.warn(`${this.constructor.name} serves nothing on port ${this.ports[index]} (${protocol}): its app is served once, on port ${this.ports[appIndex]}`);
    }
    try {
      for (const [index, protocol] of protocols.entries()) if (protocol === 'grpc') this.#grpc.push(await this.startGrpc(this.ports[index]!));
      if (appIndex < 0) {
        this.logger.warn(`${this.constructor.name} serves no HTTP (its app): add http to --protocol`);
        await discoverFlow(this.streamer, { logger: this.logger, signal: this.signal });
      } else await this.serveApp(this.ports[appIndex]!, protocols[appIndex]!);
      await Promise.all(this.#grpc.map((front) => front.ready));
    } catch (error) {
      // one server could not start: the others must not keep their ports
      await Promise.all(this.#grpc.map((front) => front.shutdown(0)));
      throw error;
    }
  }

  private async startGrpc(port: number): Promise<GrpcGateway> {
    const args = this.runtimeArgs;
    return startGrpcGateway({
      streamer: this.streamer,
      host: this.host,
      port,
      logger: this.logger,
      tls: args.sslCertfile !== undefined && args.sslKeyfile !== undefined ? { certFile: args.sslCertfile, keyFile: args.sslKeyfile } : undefined,
      prefetch: args.prefetch,
      grpcServerOptions: args.grpcServerOptions,
      services: this.grpcServices,
      auth: authenticatorOf(this),
      forwardMetadata: contextOf(this).forwardMetadata,
    });
  }

  private async serveApp(port: number, protocol: string): Promise<void> {
    const app = await this.readApp();
    this.#served = app;
    if (this.streamer.tracing !== undefined) traceFastifyRequests(app, this.streamer.tracing);
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
    if (protocol !== 'http') {
      this.logger.warn(
        `${this.constructor.name} serves HTTP on port ${port}, but its protocol is ${protocol}: health checks (Jina's, its probes', jina ping) of that port will use ${protocol}; start it with --protocol http`,
      );
    }
    const tls = this.runtimeArgs.sslCertfile !== undefined;
    if (tls && !(app.server instanceof TlsServer)) {
      throw new Error(
        `--ssl-certfile/--ssl-keyfile are given but ${this.constructor.name}'s app serves plain HTTP: create it with fastify({ https: this.httpsOptions })`,
      );
    }
    const authenticator = authenticatorOf(this);
    if (authenticator !== undefined) requireAuthorization(app, authenticator, this.logger);
    const forwarding = contextOf(this).forwardMetadata;
    // preHandler: the body is parsed by then, and the handler (and the executor calls it makes) runs inside
    if (forwarding !== undefined) app.addHook('preHandler', (request, _reply, done) => forwarding.run(request.headers, done));
    answerMethodNotAllowed(app);
    useGatewayLogger(app, this.logger);
    // Registered last, so the routes of the user's plugins are known when it looks for `GET /`.
    await app.register(async (instance) => {
      if (!instance.hasRoute({ method: 'GET', url: '/' })) instance.get('/', async () => ({}));
    });
    await discoverFlow(this.streamer, { logger: this.logger, signal: this.signal });
    await app.listen({ host: this.host, port });
    this.logger.info(`${this.constructor.name} listening on ${tls ? 'https' : 'http'}://${this.host}:${port}`);
  }

  override async runServer(): Promise<void> {
    if (this.#closed !== undefined) await this.#closed;
    else await new Promise<void>((resolve) => this.signal.addEventListener('abort', () => resolve(), { once: true }));
  }

  override async shutdown(): Promise<void> {
    if (this.#shuttingDown) return;
    this.#shuttingDown = true;
    const graceMs = contextOf(this).shutdownGraceMs;
    const grpc = Promise.all(this.#grpc.map((front) => front.shutdown(graceMs)));
    const app = this.#served;
    if (app === undefined) {
      await grpc;
      return;
    }
    // Requests in flight are answered, on connections that close afterwards (not kept alive);
    // fastify's close() stops accepting and closes idle connections. Past the grace period,
    // whatever is left is cut.
    for (const response of this.#inflight) if (!response.headersSent) response.setHeader('connection', 'close');
    const server = app.server as Server;
    const timer = setTimeout(() => server.closeAllConnections(), graceMs);
    try {
      await app.close();
    } finally {
      clearTimeout(timer);
      await grpc;
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
