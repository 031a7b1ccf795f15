/**
 * The gateway's Kubernetes objects: ConfigMap (graph and executor addresses), Deployment, Service,
 * HorizontalPodAutoscaler (autoscaling/v2). Plain objects: the caller writes them with the yaml
 * package, so no executor name is ever spliced into YAML text.
 */
import { GATEWAY_COMMAND, type GatewayDeploySpec, gatewayArgs, pingCommand } from './gateway-deploy-spec.js';

/** ConfigMap keys; kubelet expands `$(NAME)` in args from the container's env. */
export const GRAPH_KEY = 'GRAPH_DESCRIPTION';
export const ADDRESSES_KEY = 'DEPLOYMENTS_ADDRESSES';

export function kubernetesManifests(spec: GatewayDeploySpec): Record<string, unknown>[] {
  const metadata = (name: string) => ({ name, ...(spec.namespace === undefined ? {} : { namespace: spec.namespace }), labels: { app: spec.name } });
  const configMapName = `${spec.name}-config`.slice(0, 63).replace(/-+$/, '');
  const ping = pingCommand(spec);
  const configMap = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: metadata(configMapName),
    data: { [GRAPH_KEY]: JSON.stringify(spec.graphDescription), [ADDRESSES_KEY]: JSON.stringify(spec.deploymentsAddresses) },
  };
  const deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: metadata(spec.name),
    spec: {
      replicas: 1,
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      selector: { matchLabels: { app: spec.name } },
      template: {
        metadata: { labels: { app: spec.name } },
        spec: {
          // the image runs as USER 1000:1000
          securityContext: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [
            {
              name: 'gateway',
              image: spec.image,
              command: [...GATEWAY_COMMAND],
              args: gatewayArgs(spec, `$(${GRAPH_KEY})`, `$(${ADDRESSES_KEY})`),
              env: [GRAPH_KEY, ADDRESSES_KEY].map((key) => ({ name: key, valueFrom: { configMapKeyRef: { name: configMapName, key } } })),
              ports: [
                { name: 'http', containerPort: spec.httpPort, protocol: 'TCP' },
                { name: 'grpc', containerPort: spec.grpcPort, protocol: 'TCP' },
              ],
              // Jina's export: startup and liveness probes `jina ping gateway`; readiness the same
              startupProbe: { exec: { command: ping }, initialDelaySeconds: 5, periodSeconds: 5, failureThreshold: 120, timeoutSeconds: 10 },
              readinessProbe: { exec: { command: ping }, periodSeconds: 10, timeoutSeconds: 10, failureThreshold: 3 },
              livenessProbe: { exec: { command: [...ping, '--timeout', '9500'] }, initialDelaySeconds: 30, periodSeconds: 5, timeoutSeconds: 10 },
              resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '1', memory: '512Mi' } },
              securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
              lifecycle: { preStop: { exec: { command: ['/bin/sh', '-c', 'sleep 2'] } } },
            },
          ],
        },
      },
    },
  };
  const service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: metadata(spec.name),
    spec: {
      type: 'ClusterIP',
      selector: { app: spec.name },
      ports: [
        { name: 'http', port: spec.httpPort, targetPort: 'http', protocol: 'TCP' },
        { name: 'grpc', port: spec.grpcPort, targetPort: 'grpc', protocol: 'TCP' },
      ],
    },
  };
  const autoscaler = {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: metadata(spec.name),
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: spec.name },
      minReplicas: 1,
      maxReplicas: 5,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }],
    },
  };
  return [configMap, deployment, service, autoscaler];
}
