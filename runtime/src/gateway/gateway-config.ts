/**
 * A custom gateway's `config.yml` in Jina's shape, read by `--uses config.yml` (what Jina's
 * Kubernetes and compose exports always pass for a custom gateway image):
 *
 *     jtype: MyGateway            # or the tag form: `!MyGateway` on the first line
 *     py_modules: my-gateway.ts   # the JS/TS module(s) exporting the class, relative to this
 *                                 # file's directory (a list is fine; also under `metas:`)
 *     with:                       # constructor parameters; --uses-with is merged over them
 *       greeting: hello
 *     port: 8080                  # Jina's runtime keys: used when the flag is not given
 *     protocol: http              # (port, protocol, host, name, graph_description, ...)
 *
 * `py_modules` keeps Jina's key although the modules are JavaScript or TypeScript: a `.ts`
 * module is loaded by Node's type stripping (erasable syntax only), a `.js` one as is.
 * Unknown top-level keys are an error naming them; `requests:` and `metas:` keys other than
 * `py_modules` mean nothing to a gateway and are warned about.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { isMap, parseDocument } from 'yaml';
import { isPlainObject } from '../cli/key-values.js';
import type { GatewayArgName, GatewayArgsInput } from './gateway-args.js';
import { fail, messageOf, ok, type Result } from './result.js';

export interface GatewayConfig {
  /** Absolute path of the file. */
  readonly file: string;
  /** The class name (`jtype:` or the root tag). */
  readonly jtype: string;
  /** Absolute paths of the modules in `py_modules`. */
  readonly modules: readonly string[];
  /** The `with:` block. */
  readonly with: Readonly<Record<string, unknown>>;
  /** Jina's runtime keys found at the top level, as gateway arguments. */
  readonly runtime: GatewayArgsInput;
  /** The config.yml spelling of each runtime key found, for messages (`port`, `graph_description`). */
  readonly runtimeKeys: ReadonlyMap<GatewayArgName, string>;
  readonly warnings: readonly string[];
}

/** Jina's gateway YAML parser copies these top-level keys into the runtime args (when the flag is absent). */
const RUNTIME_KEYS: Readonly<Record<string, GatewayArgName>> = {
  name: 'name',
  port: 'ports',
  protocol: 'protocols',
  host: 'host',
  tracing: 'tracing',
  graph_description: 'graphDescription',
  graph_conditions: 'graphConditions',
  deployments_addresses: 'deploymentsAddresses',
  deployments_metadata: 'deploymentsMetadata',
  deployments_no_reduce: 'deploymentsNoReduce',
  timeout_send: 'timeoutSend',
  retries: 'retries',
  compression: 'compression',
  prefetch: 'prefetch',
  log_config: 'logConfig',
};

/** Keys Jina accepts there that mean nothing to this runtime. */
const IGNORED_KEYS = new Set(['requests', 'runtime_name', 'meter']);

export async function loadGatewayConfig(file: string): Promise<Result<GatewayConfig>> {
  const absolute = path.resolve(file);
  let text: string;
  try {
    text = await readFile(absolute, 'utf8');
  } catch (error) {
    return fail(`--uses ${file}: cannot read the gateway config (${messageOf(error)})`, error);
  }
  return parseGatewayConfig(text, absolute);
}

/** Parses config.yml text; `file` (absolute) names it in messages and anchors `py_modules`. */
export function parseGatewayConfig(text: string, file: string): Result<GatewayConfig> {
  const document = parseDocument(text, { prettyErrors: false });
  const first = document.errors[0];
  if (first !== undefined) return fail(`${file}: not valid YAML: ${first.message}`);
  const root: unknown = document.toJS();
  if (!isPlainObject(root)) return fail(`${file}: expected a mapping (jtype, py_modules, with, ...) at the top level`);
  const warnings: string[] = [];

  const tag = isMap(document.contents) && typeof document.contents.tag === 'string' ? document.contents.tag.replace(/^!/, '') : undefined;
  const jtype = root.jtype ?? tag;
  if (typeof jtype !== 'string' || jtype === '') {
    return fail(`${file}: name the gateway class with \`jtype: MyGateway\` or a \`!MyGateway\` tag on the first line`);
  }
  if (root.jtype !== undefined && tag !== undefined && root.jtype !== tag) {
    return fail(`${file}: jtype "${String(root.jtype)}" and tag !${tag} name different classes`);
  }

  const modules: string[] = [];
  const readModules = (value: unknown, where: string): Result<void> => {
    if (value === undefined || value === null) return ok(undefined);
    const list = typeof value === 'string' ? [value] : value;
    if (!Array.isArray(list) || !list.every((item) => typeof item === 'string')) return fail(`${file}: ${where} must be a module path or a list of them`);
    for (const item of list as string[]) modules.push(path.resolve(path.dirname(file), item));
    return ok(undefined);
  };
  const top = readModules(root.py_modules, 'py_modules');
  if (!top.ok) return top;

  const withBlock = root.with ?? {};
  if (!isPlainObject(withBlock)) return fail(`${file}: with: must be a mapping of constructor parameters`);

  const runtime: Record<string, unknown> = {};
  const runtimeKeys = new Map<GatewayArgName, string>();
  for (const [key, value] of Object.entries(root)) {
    if (key === 'jtype' || key === 'py_modules' || key === 'with') continue;
    if (key === 'metas') {
      if (!isPlainObject(value)) return fail(`${file}: metas: must be a mapping`);
      const nested = readModules(value.py_modules, 'metas.py_modules');
      if (!nested.ok) return nested;
      const others = Object.keys(value).filter((name) => name !== 'py_modules');
      if (others.length > 0) warnings.push(`${file}: metas.${others.join(', metas.')} mean nothing to a gateway; ignored`);
      continue;
    }
    if (IGNORED_KEYS.has(key)) {
      warnings.push(`${file}: ${key} means nothing to a gateway; ignored`);
      continue;
    }
    const arg = RUNTIME_KEYS[key];
    if (arg === undefined) {
      return fail(`${file}: unknown key "${key}"; a gateway config has jtype, py_modules, with, metas and ${Object.keys(RUNTIME_KEYS).join(', ')}`);
    }
    runtime[arg] = value;
    runtimeKeys.set(arg, key);
  }
  return ok({ file, jtype, modules, with: withBlock, runtime, runtimeKeys, warnings });
}
