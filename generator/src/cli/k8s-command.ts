/**
 * `create-gateway k8s -o <dir> [--project dir] [--image ref] [--name label] [--namespace ns] [--force]`:
 * writes `kubernetes.yml` (ConfigMap, Deployment, Service, HorizontalPodAutoscaler) and
 * `docker-compose.yml` for a generated project, from its package.json and config.yml. Everything is
 * checked before anything is written; a non-empty output directory needs --force.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml, stringify } from 'yaml';
import { composeFile } from '../deploy/compose-file.js';
import { checkDnsLabel, dnsLabelFromPackageName } from '../deploy/dns-name.js';
import type { GatewayDeploySpec } from '../deploy/gateway-deploy-spec.js';
import { kubernetesManifests } from '../deploy/kubernetes-manifests.js';
import { fail, ok, type Result } from '../reconcile/outcome.js';
import type { Reporter } from './reporter.js';
import { checkTargetDir } from './target-dir.js';

export interface K8sCommandOptions {
  readonly projectDir: string;
  readonly outDir: string;
  readonly image?: string | undefined;
  readonly name?: string | undefined;
  readonly namespace?: string | undefined;
  readonly grpcPort?: string | undefined;
  readonly force: boolean;
}

export const DEPLOY_FILES = { kubernetes: 'kubernetes.yml', compose: 'docker-compose.yml' } as const;

// an image reference: no whitespace or control characters, no leading '-' (it is an argument to podman/kubectl)
const IMAGE_REF = /^[A-Za-z0-9][A-Za-z0-9._\-/:@]*$/;

export async function runK8s(options: K8sCommandOptions, reporter: Reporter): Promise<Result<{ files: string[] }>> {
  const projectDir = path.resolve(options.projectDir);
  const spec = await deploySpec(projectDir, options);
  if (!spec.ok) return spec;
  const target = await checkTargetDir(options.outDir, options.force);
  if (!target.ok) return target;
  const documents = kubernetesManifests(spec.value).map((document) => stringify(document, { lineWidth: 0 }));
  const files: Record<string, string> = {
    [DEPLOY_FILES.kubernetes]: documents.join('---\n'),
    [DEPLOY_FILES.compose]: stringify(composeFile(spec.value), { lineWidth: 0 }),
  };
  await mkdir(options.outDir, { recursive: true });
  for (const [file, text] of Object.entries(files)) {
    await writeFile(path.join(options.outDir, file), text);
    reporter.step(`write   ${path.join(options.outDir, file)}`);
  }
  return ok({ files: Object.keys(files) });
}

async function deploySpec(projectDir: string, options: K8sCommandOptions): Promise<Result<GatewayDeploySpec>> {
  const packageJson = await readProjectFile(projectDir, 'package.json', JSON.parse);
  if (!packageJson.ok) return packageJson;
  const config = await readProjectFile(projectDir, 'config.yml', (text) => parseYaml(text) as unknown);
  if (!config.ok) return config;
  const pkg = packageJson.value as { name?: unknown; version?: unknown };
  if (typeof pkg.name !== 'string') return fail(`${path.join(projectDir, 'package.json')}: name: expected a string`);
  const name = options.name === undefined ? dnsLabelFromPackageName(pkg.name) : checkDnsLabel(options.name, '--name');
  if (!name.ok) return name;
  if (options.namespace !== undefined) {
    const namespace = checkDnsLabel(options.namespace, '--namespace');
    if (!namespace.ok) return namespace;
  }
  const version = typeof pkg.version === 'string' ? pkg.version : 'latest';
  const image = options.image ?? `${name.value}:${version}`;
  if (!IMAGE_REF.test(image)) return fail(`--image ${JSON.stringify(image)}: not an image reference`);
  const configFile = path.join(projectDir, 'config.yml');
  const values = (config.value ?? {}) as Record<string, unknown>;
  const httpPort = values.port;
  if (!isPort(httpPort)) return fail(`${configFile}: port: expected one port number (HTTP), got ${JSON.stringify(httpPort)}`);
  const grpcPort = options.grpcPort === undefined ? httpPort + 1 : Number(options.grpcPort);
  if (!isPort(grpcPort) || grpcPort === httpPort) return fail(`--grpc-port ${options.grpcPort}: expected a port number other than the HTTP port ${httpPort}`);
  // no graph: the typed gateway calls its executors by name (`--graph-description`'s default is {})
  const graph = values.graph_description === undefined ? ok(Object.create(null) as Record<string, string[]>) : stringListMap(values.graph_description, `${configFile}: graph_description`);
  if (!graph.ok) return graph;
  const addresses = stringListMap(values.deployments_addresses, `${configFile}: deployments_addresses`);
  if (!addresses.ok) return addresses;
  return ok({ name: name.value, image, namespace: options.namespace, httpPort, grpcPort, graphDescription: graph.value, deploymentsAddresses: addresses.value });
}

async function readProjectFile(projectDir: string, file: string, parse: (text: string) => unknown): Promise<Result<unknown>> {
  const full = path.join(projectDir, file);
  try {
    return ok(parse(await readFile(full, 'utf8')));
  } catch (error) {
    return fail(`${full}: ${(error as Error).message} (is ${projectDir} a generated project? see --project)`, error);
  }
}

function isPort(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 && value < 65536;
}

/** `{ key: [string, ...] }` with a null prototype: keys are executor names (untrusted). */
function stringListMap(value: unknown, where: string): Result<Record<string, string[]>> {
  if (value === undefined || value === null) return fail(`${where}: missing (regenerate the project with its executors)`);
  if (typeof value !== 'object' || Array.isArray(value)) return fail(`${where}: expected a mapping of names to lists of strings`);
  const out = Object.create(null) as Record<string, string[]>;
  for (const [key, list] of Object.entries(value)) {
    if (!Array.isArray(list) || !list.every((item) => typeof item === 'string')) return fail(`${where}.${key}: expected a list of strings`);
    out[key] = [...list];
  }
  return ok(out);
}
