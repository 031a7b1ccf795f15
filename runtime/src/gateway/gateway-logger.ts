/**
 * The gateway's pino logger (JSON lines on stdout), configured the way Jina configures its
 * loggers: `--quiet` or `JINA_LOG_CONFIG=QUIET` silence it; `JINA_LOG_CONFIG` overrides
 * `--log-config`; the level comes from `JINA_LOG_LEVEL`, else the log config's `level:`, else
 * INFO. Jina's level names (DEBUG, INFO, SUCCESS, WARNING, ERROR, CRITICAL) map to pino's.
 * A log config's Python logging handlers (`handlers:`, `configs:`) cannot apply here: they are
 * warned about. `--quiet-error` logs errors without their stack, as Jina's does.
 */
import { readFile } from 'node:fs/promises';
import { type DestinationStream, type Level, type Logger, type LoggerOptions, pino } from 'pino';
import { parse as parseYaml } from 'yaml';
import { isPlainObject } from '../cli/key-values.js';
import type { GatewayArgs } from './gateway-args.js';
import { fail, messageOf, ok, type Result } from './result.js';

const LEVELS: Readonly<Record<string, Level>> = {
  NOTSET: 'trace',
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  SUCCESS: 'info',
  WARNING: 'warn',
  WARN: 'warn',
  ERROR: 'error',
  CRITICAL: 'fatal',
  FATAL: 'fatal',
};

export interface GatewayLogger {
  readonly logger: Logger;
  readonly warnings: readonly string[];
}

export async function createGatewayLogger(
  args: Pick<GatewayArgs, 'name' | 'logConfig' | 'quiet' | 'quietError'>,
  env: NodeJS.ProcessEnv = process.env,
  destination?: DestinationStream,
): Promise<Result<GatewayLogger>> {
  const warnings: string[] = [];
  const logConfig = env.JINA_LOG_CONFIG ?? args.logConfig;
  const quiet = args.quiet || logConfig.toUpperCase() === 'QUIET';

  let configLevel: string | undefined;
  if (!quiet && logConfig !== 'default') {
    let text: string;
    try {
      text = await readFile(logConfig, 'utf8');
    } catch (error) {
      return fail(`--log-config ${logConfig}: cannot read it (${messageOf(error)})`, error);
    }
    let parsed: unknown;
    try {
      parsed = parseYaml(text);
    } catch (error) {
      return fail(`--log-config ${logConfig}: not valid YAML or JSON (${messageOf(error)})`, error);
    }
    if (!isPlainObject(parsed)) return fail(`--log-config ${logConfig}: expected a mapping with a level`);
    if (parsed.level !== undefined) {
      if (typeof parsed.level !== 'string') return fail(`--log-config ${logConfig}: level must be a name such as INFO`);
      configLevel = parsed.level;
    }
    const others = Object.keys(parsed).filter((key) => key !== 'level');
    if (others.length > 0) warnings.push(`--log-config ${logConfig}: ${others.join(', ')} configure Python logging; only level is used (logs are JSON lines on stdout)`);
  }

  const named = env.JINA_LOG_LEVEL ?? configLevel ?? 'INFO';
  const level = LEVELS[named.toUpperCase()];
  if (level === undefined) {
    const from = env.JINA_LOG_LEVEL !== undefined ? 'JINA_LOG_LEVEL' : `--log-config ${logConfig}`;
    return fail(`${from}: unknown log level "${named}" (DEBUG, INFO, WARNING, ERROR, CRITICAL)`);
  }
  const options: LoggerOptions = {
    name: args.name,
    level: quiet ? 'silent' : level,
    ...(args.quietError ? { serializers: { err: (error: Error) => ({ type: error.name, message: error.message }) } } : {}),
  };
  return ok({ logger: destination === undefined ? pino(options) : pino(options, destination), warnings });
}
