/** The gateway as a docker-compose service: the command, ports and healthcheck of the Kubernetes Deployment. */
import { GATEWAY_COMMAND, type GatewayDeploySpec, gatewayArgs, pingCommand } from './gateway-deploy-spec.js';

export function composeFile(spec: GatewayDeploySpec): Record<string, unknown> {
  return {
    services: {
      [spec.name]: {
        image: spec.image,
        entrypoint: [...GATEWAY_COMMAND],
        // compose interpolates `$NAME` in values: a `$` in an executor name is written `$$`
        command: gatewayArgs(spec, JSON.stringify(spec.graphDescription), JSON.stringify(spec.deploymentsAddresses)).map(escapeInterpolation),
        user: '1000:1000',
        ports: [`${spec.httpPort}:${spec.httpPort}`, `${spec.grpcPort}:${spec.grpcPort}`],
        healthcheck: { test: ['CMD', ...pingCommand(spec)], interval: '10s', timeout: '10s', start_period: '15s', retries: 3 },
        restart: 'unless-stopped',
      },
    },
  };
}

function escapeInterpolation(value: string): string {
  return value.replaceAll('$', '$$$$');
}
