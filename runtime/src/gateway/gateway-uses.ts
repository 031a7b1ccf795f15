/**
 * Which gateway class runs, from `--uses` (or a class given in code), with its constructor
 * parameters and the arguments config.yml adds:
 *
 * - absent, or Jina's built-in names `GRPCGateway` / `HTTPGateway` / `WebSocketGateway` /
 *   `CompositeGateway` (Jina's exports pass them for built-in gateways): the built-in gateway;
 * - `*.yml` / `*.yaml`: a config.yml (gateway-config.ts), relative to the working directory;
 * - `*.js` / `*.mjs` / `*.ts` / `*.mts`: a module whose default export, or only exported gateway
 *   class, is the gateway;
 * - another name: a class exported by one of the `--py-modules` JS/TS modules;
 * - `docker://...` and hub references: resolved by Jina's orchestrator, never inside a gateway.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { BUILTIN_GATEWAY_NAMES, BuiltinGateway } from './builtin-gateway.js';
import { type GatewayArgName, type GatewayArgs, gatewayArgsFrom } from './gateway-args.js';
import { loadGatewayConfig } from './gateway-config.js';
import { type GatewayClass, isGatewayClass } from './gateway.js';
import { gatewayParameters, type ParameterSource } from './gateway-parameters.js';
import { fail, messageOf, ok, type Result } from './result.js';

export interface ResolvedGateway {
  readonly gatewayClass: GatewayClass;
  readonly builtin: boolean;
  /** The arguments, with config.yml's runtime keys applied where the flag was not given. */
  readonly args: GatewayArgs;
  readonly params: Record<string, unknown>;
  readonly warnings: readonly string[];
}

export interface ResolveOptions {
  /** The flags given explicitly (config.yml does not override them). Default: none. */
  readonly given?: ReadonlySet<GatewayArgName>;
  /** Base of relative `--uses` and `--py-modules` paths. Default: the working directory. */
  readonly cwd?: string;
  /** A class to run instead of `--uses` (the API's way to run a gateway defined in code). */
  readonly gatewayClass?: GatewayClass;
  /** Constructor parameters of `gatewayClass` (as config.yml's `with:`); `--uses-with` goes over them. */
  readonly params?: Readonly<Record<string, unknown>>;
}

const MODULE_EXTENSIONS = /\.(m?js|cjs|m?ts|cts)$/;
const IMAGE_REFERENCE = /^(docker|jinahub|jinaai|jinaai\+docker|jinahub\+docker|jinaai\+sandbox|jinahub\+sandbox):\/\//;

export async function resolveGateway(args: GatewayArgs, options: ResolveOptions = {}): Promise<Result<ResolvedGateway>> {
  const cwd = options.cwd ?? process.cwd();
  const usesWith: ParameterSource = { name: '--uses-with', values: args.usesWith };

  if (options.gatewayClass !== undefined) {
    if (args.uses !== undefined) return fail(`--uses ${args.uses}: a gateway class is already given in code`);
    return finish(options.gatewayClass, false, args, [{ name: 'params', values: options.params ?? {} }, usesWith], []);
  }

  const uses = args.uses;
  if (uses === undefined) return finish(BuiltinGateway, true, args, [usesWith], []);
  if (uses in BUILTIN_GATEWAY_NAMES) {
    const builtinArgs = builtinProtocols(uses, args, options.given);
    if (!builtinArgs.ok) return builtinArgs;
    return finish(BuiltinGateway, true, builtinArgs.value, [usesWith], []);
  }
  if (IMAGE_REFERENCE.test(uses)) {
    return fail(`--uses ${uses}: an image reference is resolved by Jina's orchestrator; inside the gateway image pass --uses config.yml`);
  }

  if (/\.ya?ml$/i.test(uses)) {
    const config = await loadGatewayConfig(path.resolve(cwd, uses));
    if (!config.ok) return config;
    const { file, jtype, modules, runtime, runtimeKeys, warnings } = config.value;
    const notGiven = Object.fromEntries(Object.entries(runtime).filter(([key]) => !options.given?.has(key as GatewayArgName)));
    const merged = gatewayArgsFrom(notGiven, args, { source: file, nameOf: (key) => runtimeKeys.get(key) ?? key });
    if (!merged.ok) return merged;
    const withBlock: ParameterSource = { name: `${path.basename(file)} with:`, values: config.value.with };
    const allWarnings = [...warnings, ...merged.value.warnings];
    if (jtype in BUILTIN_GATEWAY_NAMES) {
      const builtinArgs = builtinProtocols(jtype, merged.value.args, new Set([...(options.given ?? []), ...runtimeKeys.keys()]));
      if (!builtinArgs.ok) return builtinArgs;
      return finish(BuiltinGateway, true, builtinArgs.value, [withBlock, usesWith], allWarnings);
    }
    if (modules.length === 0) return fail(`${file}: py_modules must name the JS/TS module that exports ${jtype}`);
    const found = await findClass(jtype, modules, file);
    if (!found.ok) return found;
    return finish(found.value, false, merged.value.args, [withBlock, usesWith], allWarnings);
  }

  if (MODULE_EXTENSIONS.test(uses)) {
    const file = path.resolve(cwd, uses);
    const loaded = await importModule(file, `--uses ${uses}`);
    if (!loaded.ok) return loaded;
    const found = onlyGatewayClass(loaded.value, file);
    if (!found.ok) return found;
    return finish(found.value, false, args, [usesWith], []);
  }

  const modules = args.pyModules.filter((module) => !module.endsWith('.py')).map((module) => path.resolve(cwd, module));
  if (modules.length === 0) {
    return fail(`--uses ${uses}: not a config.yml, a JS/TS module or a built-in gateway; to name a class, give the JS/TS module exporting it with --py-modules`);
  }
  const found = await findClass(uses, modules, '--py-modules');
  if (!found.ok) return found;
  return finish(found.value, false, args, [usesWith], []);
}

function finish(
  gatewayClass: GatewayClass,
  builtin: boolean,
  args: GatewayArgs,
  sources: readonly ParameterSource[],
  warnings: readonly string[],
): Result<ResolvedGateway> {
  const params = gatewayParameters(gatewayClass, sources);
  if (!params.ok) return params;
  return ok({ gatewayClass, builtin, args, params: params.value, warnings });
}

/** `HTTPGateway` and friends serve one protocol: --protocol must agree (or is set by it when absent). */
function builtinProtocols(name: string, args: GatewayArgs, given: ReadonlySet<GatewayArgName> | undefined): Result<GatewayArgs> {
  const protocol = BUILTIN_GATEWAY_NAMES[name];
  if (protocol === undefined) return ok(args);
  if (args.protocols.length === 1 && args.protocols[0] === protocol) return ok(args);
  if (given?.has('protocols')) return fail(`--uses ${name} serves ${protocol}, but --protocol is ${args.protocols.join(' ')}`);
  return ok({ ...args, protocols: [protocol] });
}

async function findClass(name: string, modules: readonly string[], where: string): Promise<Result<GatewayClass>> {
  for (const module of modules) {
    const loaded = await importModule(module, where);
    if (!loaded.ok) return loaded;
    const exported = loaded.value[name] ?? (isNamed(loaded.value.default, name) ? loaded.value.default : undefined);
    if (exported === undefined) continue;
    if (!isGatewayClass(exported)) {
      return fail(`${name}, exported by ${module}, is not a gateway class (extend Gateway or FastifyBaseGateway)`);
    }
    return ok(exported);
  }
  return fail(`${where}: no module exports a gateway class named ${name} (looked in ${modules.join(', ')})`);
}

function onlyGatewayClass(module: Record<string, unknown>, file: string): Result<GatewayClass> {
  if (isGatewayClass(module.default)) return ok(module.default);
  const classes = [...new Set(Object.values(module).filter(isGatewayClass))];
  if (classes.length === 1) return ok(classes[0]!);
  if (classes.length === 0) return fail(`--uses ${file}: the module exports no gateway class (extend Gateway or FastifyBaseGateway)`);
  return fail(`--uses ${file}: the module exports several gateway classes (${classes.map((cls) => cls.name).join(', ')}); export one as default, or use a config.yml with jtype`);
}

function isNamed(value: unknown, name: string): boolean {
  return typeof value === 'function' && value.name === name;
}

async function importModule(file: string, where: string): Promise<Result<Record<string, unknown>>> {
  try {
    return ok((await import(pathToFileURL(file).href)) as Record<string, unknown>);
  } catch (error) {
    return fail(`${where}: cannot load ${file}: ${messageOf(error)}`, error);
  }
}
