/**
 * The `gateway` command (also `jina gateway`): parses Jina's gateway flags, starts the gateway,
 * serves until SIGTERM / SIGINT, drains, and returns the exit code: 0 after a clean stop, 1 when
 * the gateway cannot start or fails, 2 for a command line it cannot read (argparse's code).
 * With `--workers N` it supervises N processes serving the same ports (gateway-workers.ts).
 */
import { parseGatewayArgv } from '../gateway/gateway-args.js';
import { startGateway } from '../gateway/start-gateway.js';
import { RUNTIME_VERSION } from '../version.js';
import { gatewayHelp } from './gateway-help.js';
import { isGatewayWorker, superviseWorkers } from './gateway-workers.js';

export interface CommandIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

export const processIo: CommandIo = {
  stdout: (text) => process.stdout.write(`${text}\n`),
  stderr: (text) => process.stderr.write(`${text}\n`),
};

export async function runGatewayCommand(argv: readonly string[], io: CommandIo = processIo, command = 'jina gateway'): Promise<number> {
  const parsed = parseGatewayArgv(argv);
  if (!parsed.ok) {
    io.stderr(`${command}: error: ${parsed.error.message}`);
    return 2;
  }
  if (parsed.value.help) {
    io.stdout(gatewayHelp(command));
    return 0;
  }
  if (parsed.value.version) {
    io.stdout(RUNTIME_VERSION);
    return 0;
  }
  const workers = parsed.value.args.workers;
  if (workers > 1 && !isGatewayWorker()) {
    if (parsed.value.args.ports.length < parsed.value.args.protocols.length) {
      io.stderr(`${command}: error: --workers ${workers} needs --port, one per protocol: the workers share the ports, and free ports each picked would differ`);
      return 2;
    }
    const { monitoring, portMonitoring, host } = parsed.value.args;
    return superviseWorkers(workers, parsed.value.args.ports, io, command, monitoring ? { host, port: portMonitoring[0] ?? 0 } : undefined);
  }
  const started = await startGateway({ argv, handleSignals: true, shutdownGraceMs: graceFromEnv() });
  if (!started.ok) {
    io.stderr(`${command}: ${started.error.message}`);
    return 1;
  }
  await started.value.done;
  return typeof process.exitCode === 'number' ? process.exitCode : 0;
}

/** GATEWAY_SHUTDOWN_GRACE_MS: how long shutdown may answer requests in flight (default 30 s). */
function graceFromEnv(): number | undefined {
  const raw = process.env.GATEWAY_SHUTDOWN_GRACE_MS;
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  return Number.isFinite(value) && value >= 0 ? value : undefined;
}
