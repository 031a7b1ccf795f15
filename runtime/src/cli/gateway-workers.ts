/**
 * `--workers N`: the gateway on more than one core. One Node process runs on one core, so the
 * command line forks N workers with node:cluster, each running the whole gateway on the same
 * ports (cluster hands the accepted connections to the workers in turn), and stays as a small
 * supervisor:
 *
 * - every worker gets the command line as given (`--workers` is ignored in a worker), so a
 *   custom gateway, its config.yml and every flag behave as with one process; the ports must be
 *   given (`--port`): free ports picked by each worker would differ;
 * - SIGTERM / SIGINT to the supervisor (Kubernetes signals PID 1 only) is passed to every worker,
 *   which drains as one gateway does; the supervisor exits once all have, with the worst code;
 * - a worker that dies once serving (listening on every port) is replaced; one that dies before
 *   (a port taken, a bad config) stops the others, and the command fails with code 1, as one
 *   process would, rather than restarting in a loop. A replacement answers like any starting
 *   gateway: `GET /` 503 (not ready) until its endpoint discovery is done.
 *
 * Each worker keeps its own connections to the executors and its own metrics; with `--monitoring`
 * the supervisor serves `--port-monitoring`, answering each scrape with every worker's metrics
 * added up (metrics/cluster-metrics.ts).
 */
import cluster, { type Worker } from 'node:cluster';
import type { CommandIo } from './gateway-command.js';
import { workersMetrics } from '../metrics/cluster-metrics.js';
import { type MonitoringServer, startMonitoringServer } from '../metrics/monitoring-server.js';

/** `--monitoring` of a supervised gateway: where the supervisor serves the workers' metrics. */
export interface WorkersMonitoring {
  readonly host: string;
  /** 0: a free one (logged). */
  readonly port: number;
}

export function isGatewayWorker(): boolean {
  return cluster.isWorker;
}

/** Runs `count` workers serving `ports` until they stop; resolves with the exit code. */
export async function superviseWorkers(
  count: number,
  ports: readonly number[],
  io: CommandIo,
  command: string,
  monitoring?: WorkersMonitoring,
): Promise<number> {
  let monitoringServer: MonitoringServer | undefined;
  if (monitoring !== undefined) {
    try {
      monitoringServer = await startMonitoringServer(workersMetrics(), monitoring.host, monitoring.port);
    } catch (error) {
      io.stderr(`${command}: --monitoring: cannot serve the metrics on ${monitoring.host}:${monitoring.port} (${error instanceof Error ? error.message : String(error)})`);
      return 1;
    }
    io.stderr(`${command}: monitoring: Prometheus metrics of all ${count} workers on http://${monitoring.host}:${monitoringServer.port}/metrics`);
  }
  /** Each worker, with the ports it listens on so far. */
  const started = new Map<Worker, Set<number>>();
  const serving = (worker: Worker) => ports.every((port) => started.get(worker)?.has(port) === true);
  let stopping = false;
  let worst = 0;
  const fork = () => started.set(cluster.fork(), new Set());

  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    for (const worker of started.keys()) if (!worker.isDead()) worker.process.kill(signal);
  };
  const onSignal = (signal: NodeJS.Signals) => stop(signal);
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  cluster.on('listening', (worker, address) => started.get(worker)?.add(address.port));
  const done = new Promise<void>((resolve) => {
    cluster.on('exit', (worker, code, signal) => {
      const wasServing = serving(worker);
      started.delete(worker);
      const exitCode = code ?? (signal === null ? 1 : 128);
      if (!stopping) {
        if (!wasServing) {
          io.stderr(`${command}: worker ${worker.process.pid} failed during start-up (exit code ${exitCode}); stopping the others`);
          worst = Math.max(worst, 1);
          stop('SIGTERM');
        } else {
          io.stderr(`${command}: worker ${worker.process.pid} ended (${signal ?? `exit code ${exitCode}`}); starting another`);
          fork();
        }
      } else if (exitCode !== 0 && signal === null) {
        worst = Math.max(worst, exitCode);
      }
      if (started.size === 0) resolve();
    });
  });

  for (let index = 0; index < count; index++) fork();
  await done;
  await monitoringServer?.close();
  process.off('SIGTERM', onSignal);
  process.off('SIGINT', onSignal);
  return worst;
}
