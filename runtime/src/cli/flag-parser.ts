/**
 * Splits a command line into flags and their values the way Jina's argparse parsers do, so that
 * every form Jina's Flow, Kubernetes and docker-compose exports emit reads the same here:
 *
 * - `--flag value`, `--flag=value`, and lists `--port 8080 8081` (a list ends at the next flag);
 * - a value may look like a negative number (`--retries -1`): it is a value, not a flag;
 * - `"--timeout 9500"` as ONE argv element (Kubernetes liveness probes written by Jina) is read as
 *   `--timeout 9500` when `--timeout` is a known flag (argparse would take it for a positional);
 * - a flag given twice: the last one wins, except flags that accumulate (the caller decides);
 * - `--` ends flags: everything after it is positional.
 *
 * Unknown flags are not an error here: they are returned with the values that follow them, and
 * the command decides (the gateway warns, as Jina does; `ping` refuses).
 */
import { fail, ok, type Result } from '../gateway/result.js';

/** How many values a flag takes: none (a switch), exactly one, one or more, zero or more. */
export type FlagArity = 'none' | 'one' | 'many' | 'any';

export interface FlagDefinition {
  /** Every spelling, e.g. `['--port', '--ports', '--port-expose', '--port-in']` or `['-h', '--help']`. */
  readonly names: readonly string[];
  readonly arity: FlagArity;
}

export interface FlagOccurrence<D extends FlagDefinition> {
  readonly definition: D;
  /** The spelling used on the command line. */
  readonly name: string;
  readonly values: readonly string[];
}

export interface UnknownFlag {
  readonly name: string;
  readonly values: readonly string[];
}

export interface SplitArgv<D extends FlagDefinition> {
  /** Known flags in command-line order. */
  readonly flags: readonly FlagOccurrence<D>[];
  readonly positionals: readonly string[];
  readonly unknown: readonly UnknownFlag[];
}

const NEGATIVE_NUMBER = /^-\d+$|^-\d*\.\d+$/;

/** argparse's notion of "this token is a flag, not a value". */
export function looksLikeFlag(token: string): boolean {
  return token.length > 1 && token.startsWith('-') && !NEGATIVE_NUMBER.test(token);
}

export function splitArgv<D extends FlagDefinition>(argv: readonly string[], definitions: readonly D[]): Result<SplitArgv<D>> {
  const byName = new Map<string, D>();
  for (const definition of definitions) for (const name of definition.names) byName.set(name, definition);

  const tokens = expandSpacedFlags(argv, byName);
  const flags: FlagOccurrence<D>[] = [];
  const positionals: string[] = [];
  const unknown: UnknownFlag[] = [];
  let index = 0;
  const takeValues = (): string[] => {
    const values: string[] = [];
    while (index < tokens.length && !looksLikeFlag(tokens[index]!) && tokens[index] !== '--') values.push(tokens[index++]!);
    return values;
  };

  while (index < tokens.length) {
    const token = tokens[index++]!;
    if (token === '--') {
      positionals.push(...tokens.slice(index));
      break;
    }
    if (!looksLikeFlag(token)) {
      positionals.push(token);
      continue;
    }
    const equals = token.startsWith('--') ? token.indexOf('=') : -1;
    const name = equals === -1 ? token : token.slice(0, equals);
    const attached = equals === -1 ? undefined : token.slice(equals + 1);
    const definition = byName.get(name);
    if (definition === undefined) {
      unknown.push({ name, values: attached === undefined ? takeValues() : [attached] });
      continue;
    }
    if (definition.arity === 'none') {
      if (attached !== undefined) return fail(`${name} takes no value (got "${attached}")`);
      flags.push({ definition, name, values: [] });
      continue;
    }
    if (attached !== undefined) {
      flags.push({ definition, name, values: [attached] });
      continue;
    }
    if (definition.arity === 'one') {
      const value = tokens[index];
      if (value === undefined || looksLikeFlag(value) || value === '--') return fail(`${name} expects a value`);
      index++;
      flags.push({ definition, name, values: [value] });
      continue;
    }
    const values = takeValues();
    if (definition.arity === 'many' && values.length === 0) return fail(`${name} expects at least one value`);
    flags.push({ definition, name, values });
  }
  return ok({ flags, positionals, unknown });
}

/** `"--timeout 9500"` (one element) → `--timeout`, `9500`, only for flags we know. */
function expandSpacedFlags(argv: readonly string[], known: ReadonlyMap<string, FlagDefinition>): string[] {
  const tokens: string[] = [];
  for (const token of argv) {
    const match = /^(-{1,2}[^\s=]+)\s+(.*)$/s.exec(token);
    if (match !== null && known.has(match[1]!)) {
      tokens.push(match[1]!);
      // the rest is one value: it may itself contain spaces (JSON)
      const rest = match[2]!.trim();
      if (rest !== '') tokens.push(rest);
    } else {
      tokens.push(token);
    }
  }
  return tokens;
}
