/**
 * Jina's key-value flags (`--uses-with`, `--grpc-server-options`, `--grpc-channel-options`,
 * `--env`, `--uvicorn-kwargs`, ...; argparse `KVAppendAction`): each value is either a JSON
 * object, merged in, or `key=value` / `key: value`, whose value is read by Jina's `parse_arg`
 * (quoted string, `[a, b]` list, int, float, true/false, empty → null, else the text). Several
 * values and several occurrences of the flag accumulate into one object.
 */
import { fail, ok, type Result } from '../gateway/result.js';

export function parseKeyValues(flag: string, values: readonly string[], into: Record<string, unknown> = {}): Result<Record<string, unknown>> {
  const merged: Record<string, unknown> = { ...into };
  for (const value of values) {
    const json = tryJson(value);
    if (json.parsed) {
      if (!isPlainObject(json.value)) {
        return fail(`${flag}: expected a JSON object or key=value, got ${JSON.stringify(value)}`);
      }
      Object.assign(merged, json.value);
      continue;
    }
    const match = /^(.*?)[:=]\s*(.*)$/s.exec(value);
    if (match === null || match[1] === '') {
      return fail(`${flag}: could not read ${JSON.stringify(value)} as a JSON object or key=value`);
    }
    merged[match[1]!] = parseArg(match[2]!);
  }
  return ok(merged);
}

/** Jina's `jina.helper.parse_arg`: what a `key=value` value means. */
export function parseArg(text: string): unknown {
  const quoted = /^['"](.*)['"]$/s.exec(text);
  if (quoted !== null) return quoted[1];
  if (text.startsWith('[') && text.endsWith(']')) {
    const inner = text.replaceAll('[', '').replaceAll(']', '').trim();
    return inner.length === 0 ? [] : inner.split(',').map((part) => parseArg(part.trim()));
  }
  const trimmed = text.trim();
  if (/^[+-]?\d+$/.test(trimmed)) return Number.parseInt(trimmed, 10);
  if (trimmed !== '' && /^[+-]?(\d+\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?|inf|infinity|nan)$/i.test(trimmed)) {
    const lower = trimmed.toLowerCase().replace(/^[+]/, '');
    if (lower.endsWith('nan')) return Number.NaN;
    if (lower.endsWith('inf') || lower.endsWith('infinity')) return lower.startsWith('-') ? -Infinity : Infinity;
    return Number(trimmed);
  }
  if (text.length === 0) return null;
  if (text.toLowerCase() === 'true') return true;
  if (text.toLowerCase() === 'false') return false;
  return text;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function tryJson(text: string): { parsed: true; value: unknown } | { parsed: false } {
  try {
    return { parsed: true, value: JSON.parse(text) as unknown };
  } catch {
    return { parsed: false };
  }
}
