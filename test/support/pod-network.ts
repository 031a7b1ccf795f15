/**
 * Two "pods" on this machine, for running a gateway container with exactly the arguments of
 * Jina's Kubernetes and docker-compose exports: two network namespaces the test makes itself
 * (iproute2, as root), joined by a veth pair, each with its own loopback. The gateway container
 * joins the first (`podman run --network ns:<path>`) and may listen on 8080 as in its pod; the
 * executors run in the second, where the exports' service names (`echo.demo.svc`, `echo`) point
 * (`podman run --add-host`). No traffic leaves the two namespaces.
 */
import { runCommandOk } from './commands.js';

const SUBNET_PREFIX = '10.213.0';

export interface PodNetwork {
  /** Namespace of the gateway pod (for `--network ns:/run/netns/<name>`). */
  readonly gateway: string;
  /** Namespace of the executors' pod. */
  readonly executors: string;
  readonly gatewayAddress: string;
  readonly executorsAddress: string;
  /** `ip netns exec <namespace> <command> <args>` as a command and its arguments. */
  inside(namespace: string, command: string, args: readonly string[]): { command: string; args: string[] };
  remove(): Promise<void>;
}

let networks = 0;

export async function createPodNetwork(): Promise<PodNetwork> {
  const id = `${process.pid}-${++networks}`;
  const gateway = `jtg-${id}-gw`;
  const executors = `jtg-${id}-ex`;
  const gatewayAddress = `${SUBNET_PREFIX}.1`;
  const executorsAddress = `${SUBNET_PREFIX}.2`;
  const ip = (args: string[]) => runCommandOk('ip', args, { timeoutMs: 10_000 });
  const remove = async () => {
    for (const namespace of [gateway, executors]) await runCommandOk('ip', ['netns', 'del', namespace]).catch(() => undefined);
  };
  try {
    await ip(['netns', 'add', gateway]);
    await ip(['netns', 'add', executors]);
    // veth names live inside the namespaces only: no clash with the host's or another run's
    await ip(['link', 'add', 'pod0', 'netns', gateway, 'type', 'veth', 'peer', 'name', 'pod0', 'netns', executors]);
    for (const [namespace, address] of [[gateway, gatewayAddress], [executors, executorsAddress]] as const) {
      await ip(['-n', namespace, 'addr', 'add', `${address}/30`, 'dev', 'pod0']);
      await ip(['-n', namespace, 'link', 'set', 'lo', 'up']);
      await ip(['-n', namespace, 'link', 'set', 'pod0', 'up']);
    }
  } catch (error) {
    await remove();
    throw error;
  }
  return {
    gateway,
    executors,
    gatewayAddress,
    executorsAddress,
    inside: (namespace, command, args) => ({ command: 'ip', args: ['netns', 'exec', namespace, command, ...args] }),
    remove,
  };
}
