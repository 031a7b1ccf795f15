/**
 * `gateway --help` / `jina gateway --help`: every flag of Jina's gateway parser, grouped, with
 * what it does here (for flags that only matter to Python: why it is ignored).
 */
import { GATEWAY_FLAGS } from '../gateway/gateway-args.js';

const WIDTH = 34;

export function gatewayHelp(command = 'jina gateway'): string {
  const lines = [
    `usage: ${command} [flags]`,
    '',
    'Runs a gateway in front of Jina Executors: the built-in one (gRPC, HTTP, WebSocket) or a custom',
    'one (--uses config.yml | module.js). Accepts every flag Jina\'s gateway accepts, so that Jina\'s',
    'Flow, Kubernetes and docker-compose exports can start it unchanged.',
  ];
  let group = '';
  for (const flag of GATEWAY_FLAGS) {
    if (flag.group !== group) {
      group = flag.group;
      lines.push('', `${group}:`);
    }
    const value = flag.arity === 'none' ? '' : flag.arity === 'one' ? ' VALUE' : ' VALUE...';
    const names = `  ${flag.names.join(', ')}${value}`;
    const help = flag.default === undefined || flag.effect !== 'used' || (typeof flag.default === 'object' && Object.keys(flag.default as object).length === 0) || flag.default === false
      ? flag.help
      : `${flag.help} (default: ${JSON.stringify(flag.default)})`;
    lines.push(names.length < WIDTH ? `${names.padEnd(WIDTH)}${help}` : `${names}\n${' '.repeat(WIDTH)}${help}`);
  }
  lines.push('', 'Other:', `${'  -h, --help'.padEnd(WIDTH)}this help`, `${'  -v, --version'.padEnd(WIDTH)}the runtime's version`, '');
  return lines.join('\n');
}
