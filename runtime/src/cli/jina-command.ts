/**
 * The `jina` executable of a TypeScript gateway image, so that it runs unchanged under Jina's
 * exports (jina-wire.md §4.3):
 *
 * - `jina gateway <flags>`: what Kubernetes and docker-compose run;
 * - `jina <flags>` (bare flags): what a local Flow appends to the image's entrypoint for `docker://` gateways;
 * - `jina ping {gateway|executor|flow} <target> ...`: the probes and health checks Jina writes;
 * - `jina -v` / `--version`.
 * Anything else Jina's CLI does (executors, hub, flows) is not for a gateway image: it says so.
 */
import { RUNTIME_VERSION } from '../version.js';
import { looksLikeFlag } from './flag-parser.js';
import { type CommandIo, processIo, runGatewayCommand } from './gateway-command.js';
import { parsePingArgv, ping, PING_USAGE } from './ping.js';

const USAGE = `usage: jina {gateway,ping} ...

  jina gateway [flags]     run the gateway (jina gateway --help lists the flags)
  jina [flags]             the same (a local Flow's docker:// gateway passes bare flags)
  jina ping {gateway,executor,flow} host [--timeout ms] [--attempts n] [--min-successful-attempts n]
  jina -v, --version       the gateway runtime's version

This is the TypeScript gateway runtime's \`jina\`: only what a gateway image needs.`;

export async function runJinaCommand(argv: readonly string[], io: CommandIo = processIo): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === '-h' || first === '--help' || first === 'help') {
    io.stdout(USAGE);
    return first === undefined ? 2 : 0;
  }
  if (first === '-v' || first === '--version' || first === '-vf' || first === '--version-full') {
    io.stdout(RUNTIME_VERSION);
    return 0;
  }
  if (first === 'gateway') return runGatewayCommand(rest, io, 'jina gateway');
  if (looksLikeFlag(first)) return runGatewayCommand(argv, io, 'jina');
  if (first === 'ping') {
    const parsed = parsePingArgv(rest);
    if (!parsed.ok) {
      io.stderr(`jina ping: error: ${parsed.error.message}\n${PING_USAGE}`);
      return 2;
    }
    if (parsed.value === undefined) {
      io.stdout(PING_USAGE);
      return 0;
    }
    const report = await ping(parsed.value);
    for (const failure of report.failures) io.stderr(`jina ping ${parsed.value.target}: ${failure}`);
    if (report.ok) io.stdout(`jina ping ${parsed.value.target} ${parsed.value.host}: ${report.successes}/${report.attempts} checks succeeded`);
    return report.ok ? 0 : 1;
  }
  io.stderr(`jina: "${first}" is not available here: this image's jina runs gateways only (jina gateway, jina ping)\n${USAGE}`);
  return 2;
}
