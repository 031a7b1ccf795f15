import { describe, expect, it } from 'vitest';
import { gatewayHelp } from '../cli/gateway-help.js';
import { GATEWAY_FLAGS, gatewayArgsFrom, parseGatewayArgv } from './gateway-args.js';

function parsed(argv: string[]) {
  const result = parseGatewayArgv(argv);
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
}

describe('parseGatewayArgv: the command lines Jina writes', () => {
  it("reads a Kubernetes export's args, warning once for each flag that means nothing here", () => {
    const { args, warnings } = parsed([
      '--uses', 'config.yml', '--uses-with', '{"arg": "v"}', '--expose-endpoints', '{}',
      '--graph-description', '{"encoder": ["end-gateway"], "start-gateway": ["encoder"]}',
      '--deployments-addresses', '{"encoder": ["grpc://encoder.demo.svc:8080"]}',
      '--port', '8080', '--protocol', 'HTTP', '--port-monitoring', '9090', '--k8s-namespace', 'demo',
    ]);
    expect(args.uses).toBe('config.yml');
    expect(args.usesWith).toEqual({ arg: 'v' });
    expect(args.graphDescription).toEqual({ encoder: ['end-gateway'], 'start-gateway': ['encoder'] });
    expect(args.deploymentsAddresses).toEqual({ encoder: ['grpc://encoder.demo.svc:8080'] });
    expect(args.ports).toEqual([8080]);
    expect(args.protocols).toEqual(['http']);
    expect(args.exposeEndpoints).toEqual({});
    // --port-monitoring is read with --monitoring only, as by Jina: the exports always pass it
    expect(args.portMonitoring).toEqual([9090]);
    expect(warnings).toEqual([
      "--k8s-namespace has no effect here: only used by Jina's Kubernetes export; ignored",
    ]);
  });

  it("reads docker-compose's bare host:port addresses and several protocols with one port each", () => {
    const { args } = parsed(['--deployments-addresses', '{"executor0": ["executor0:8081"]}', '--protocol', 'grpc', 'http', 'websocket', '--port', '8080', '8081', '8082']);
    expect(args.protocols).toEqual(['grpc', 'http', 'websocket']);
    expect(args.ports).toEqual([8080, 8081, 8082]);
    expect(parsed(['--port', '8080,8081', '--protocol', 'grpc', 'http']).args.ports).toEqual([8080, 8081]);
  });

  it('takes negative numbers as values, --flag=value, and key=value or JSON for key-value flags (accumulating)', () => {
    const { args } = parsed(['--retries', '-1', '--timeout-send=5000', '--grpc-server-options', 'grpc.max_send_message_length=1024', '--grpc-server-options', '{"grpc.keepalive_time_ms": 5000}']);
    expect(args.retries).toBe(-1);
    expect(args.timeoutSend).toBe(5000);
    expect(args.grpcServerOptions).toEqual({ 'grpc.max_send_message_length': 1024, 'grpc.keepalive_time_ms': 5000 });
  });

  it('warns about flags Jina does not know and stray values, without failing (an export of another version must not crash-loop)', () => {
    const { warnings } = parsed(['--made-up-flag', 'x', 'stray']);
    expect(warnings).toEqual(['unknown flag --made-up-flag x stray: not a flag of Jina\'s gateway; ignored']);
  });

  it("warns once for each docarray-v1 HTTP flag set to a value that would do something in Jina's v1 app, and not for the no-op values", () => {
    expect(parsed(['--no-debug-endpoints', '--no-crud-endpoints', '--expose-endpoints', '{"/foo": {"methods": ["POST"]}}']).warnings).toEqual([
      "--no-debug-endpoints has no effect with docarray v2: hides /dry_run, /status and /post in Jina's docarray-v1 HTTP app only; /dry_run and /status stay served; ignored",
      "--no-crud-endpoints has no effect with docarray v2: removes the CRUD routes of Jina's docarray-v1 HTTP app only; there are none here; ignored",
      "--expose-endpoints has no effect with docarray v2: JSON; extra routes of Jina's docarray-v1 HTTP app only; every endpoint is served at its own path here; ignored",
    ]);
    expect(parsed(['--expose-endpoints', '{}']).warnings).toEqual([]);
    const fromConfig = gatewayArgsFrom({ noDebugEndpoints: false, exposeEndpoints: {} });
    expect(fromConfig.ok && fromConfig.value.warnings).toEqual([]);
  });

  it('names the flag and what is wrong for values it cannot read', () => {
    const cases: Array<[string[], string]> = [
      [['--graph-description', '{oops'], '--graph-description: not valid JSON'],
      [['--graph-description', '[1]'], '--graph-description: expected a JSON object, got a list'],
      [['--protocol', 'ftp'], '--protocol: expected grpc, http or websocket (any case), got "ftp"'],
      [['--port', '70000'], '--port: 70000 is not a port'],
      [['--protocol', 'grpc', 'http', '--port', '8080'], '--port: 1 port(s) for 2 protocols'],
      [['--ssl-certfile', 'cert.pem'], '--ssl-certfile needs --ssl-keyfile too'],
      [['--compression', 'zstd'], '--compression: expected one of NoCompression | Deflate | Gzip'],
      [['--prefetch', '-3'], '--prefetch: must be 0 or more'],
      [['--executor-transport', 'node'], '--executor-transport: expected one of own | grpc-js, got "node"'],
    ];
    for (const [argv, message] of cases) {
      const result = parseGatewayArgv(argv);
      expect(result.ok, argv.join(' ')).toBe(false);
      if (!result.ok) expect(result.error.message).toContain(message);
    }
  });

  it('accepts every spelling of every flag of Jina 3.34\'s gateway parser, and --help describes each', () => {
    const help = gatewayHelp();
    for (const flag of GATEWAY_FLAGS) {
      for (const name of flag.names) {
        const value = flag.arity === 'none' ? [] : flag.kind.type === 'json-list' ? ['[]'] : flag.kind.type === 'json-object' || flag.kind.type === 'key-values' ? ['{}'] : flag.kind.type === 'choice' ? [flag.kind.choices[0]!] : flag.kind.type === 'protocols' ? ['grpc'] : flag.kind.type === 'ports' || flag.kind.type === 'int' ? ['1'] : ['x'];
        // the TLS flags come in pairs
        const pair = flag.key === 'sslCertfile' ? ['--ssl-keyfile', 'k'] : flag.key === 'sslKeyfile' ? ['--ssl-certfile', 'c'] : [];
        const result = parseGatewayArgv([name, ...value, ...pair]);
        expect(result.ok, `${name} ${value.join(' ')}: ${result.ok ? '' : result.error.message}`).toBe(true);
        expect(help).toContain(name);
      }
    }
  });
});

describe('gatewayArgsFrom: arguments from code or config.yml', () => {
  it('takes native values or command-line strings, and refuses unknown keys by name', () => {
    const result = gatewayArgsFrom({ ports: [8080], protocols: 'http', graphDescription: '{"start-gateway": ["a"], "a": ["end-gateway"]}' });
    expect(result.ok && result.value.args.ports).toEqual([8080]);
    expect(result.ok && result.value.args.protocols).toEqual(['http']);
    const unknown = gatewayArgsFrom({ prot: 'http' } as never, undefined, { source: 'config.yml' });
    expect(!unknown.ok && unknown.error.message).toBe('config.yml: unknown gateway argument "prot"');
  });
});
