/**
 * What each deployment of the Flow serves, from endpoint discovery: the endpoints it binds (for
 * routing: a node that binds neither the endpoint nor /default is passed through) and its
 * schemas (for encoding and for generated types). Discovered once per deployment and cached;
 * a deployment that cannot be reached is asked again next time instead of being cached as empty.
 */
import { status as GrpcStatus } from '@grpc/grpc-js';
import type { ConnectionPool } from '../executor/connection-pool.js';
import type { EndpointsProto } from '../wire/gen/jina/jina.pb.js';

export interface DeploymentEndpoints {
  readonly endpoints: readonly string[];
  readonly writeEndpoints: readonly string[];
  /** Jina's executor layout: endpoint → {input, output, is_generator, is_singleton_doc, parameters}. */
  readonly schemas: Readonly<Record<string, unknown>>;
}

export class EndpointDirectory {
  private readonly known = new Map<string, DeploymentEndpoints>();
  private readonly pending = new Map<string, Promise<DeploymentEndpoints | undefined>>();
  private complete: ReadonlyMap<string, readonly string[]> | undefined;

  constructor(
    private readonly pool: ConnectionPool,
    private readonly deployments: readonly string[],
    /** Deadline of one discovery call, in ms. */
    private readonly timeoutMs = 5000,
  ) {}

  /** Discovers one deployment (cached); throws when it cannot be reached. */
  async discover(name: string): Promise<DeploymentEndpoints> {
    const cached = this.known.get(name);
    if (cached !== undefined) return cached;
    let entry: DeploymentEndpoints;
    try {
      const proto: EndpointsProto = await this.pool.get(name).endpointDiscovery({ timeoutMs: this.timeoutMs });
      entry = {
        endpoints: proto.endpoints,
        writeEndpoints: proto.writeEndpoints,
        schemas: (proto.schemas as Record<string, unknown> | undefined) ?? {},
      };
    } catch (error) {
      // Like Jina, a peer without endpoint_discovery is taken to serve /default (so, everything).
      if ((error as { code?: number }).code !== GrpcStatus.UNIMPLEMENTED) throw error;
      entry = { endpoints: ['/default'], writeEndpoints: [], schemas: {} };
    }
    this.known.set(name, entry);
    return entry;
  }

  /**
   * Endpoints bound by every deployment that answers discovery. Deployments that do not answer
   * are left out, which the planner reads as "binds everything" (the call itself will then
   * report the deployment as unreachable, naming it).
   */
  /** The bindings once every deployment has answered discovery, else undefined. */
  completeBindings(): ReadonlyMap<string, readonly string[]> | undefined {
    return this.complete;
  }

  async bindings(): Promise<ReadonlyMap<string, readonly string[]>> {
    if (this.complete !== undefined) return this.complete;
    await Promise.all(this.deployments.filter((name) => !this.known.has(name)).map((name) => this.tryDiscover(name)));
    const bindings = new Map<string, readonly string[]>();
    for (const [name, entry] of this.known) bindings.set(name, entry.endpoints);
    // once every deployment answered, the same map serves every later request
    if (this.known.size === this.deployments.length) this.complete = bindings;
    return bindings;
  }

  private tryDiscover(name: string): Promise<DeploymentEndpoints | undefined> {
    let pending = this.pending.get(name);
    if (pending === undefined) {
      pending = this.discover(name)
        .catch(() => undefined)
        .finally(() => this.pending.delete(name));
      this.pending.set(name, pending);
    }
    return pending;
  }
}
