/**
 * The monitoring port (`--port-monitoring`, with `--monitoring`): Prometheus' text exposition of
 * the gateway's metrics. Like Jina's (prometheus_client's `start_http_server`), any path answers
 * with the metrics, `/metrics` being the one scrapers ask for; only GET and HEAD are served.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

/** What a scrape answers with: one gateway's registry, or its workers' metrics added up. */
export interface MetricsSource {
  readonly contentType: string;
  collect(): Promise<string>;
}

export function registrySource(registry: Registry): MetricsSource {
  return { contentType: registry.contentType, collect: () => registry.metrics() };
}

export interface MonitoringServer {
  readonly port: number;
  close(): Promise<void>;
}

export async function startMonitoringServer(source: MetricsSource, host: string, port: number): Promise<MonitoringServer> {
  const server: Server = createServer((request, response) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end(`${request.method} is not served here: GET /metrics\n`);
      return;
    }
    source.collect().then(
      (text) => {
        response.writeHead(200, { 'content-type': source.contentType, 'content-length': Buffer.byteLength(text) });
        response.end(request.method === 'HEAD' ? undefined : text);
      },
      (error: unknown) => {
        response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end(`collecting the metrics failed: ${error instanceof Error ? error.message : String(error)}\n`);
      },
    );
  });
  // a scraper keeps its connection open between scrapes: closing must not wait for it
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
