/**
 * The one way a value reaches a write-once scaffold: each function makes any string safe for one
 * target language, and the templates may only print values through them (render.ts refuses a
 * template with a bare `{{value}}`). Names from executors are hostile input (checked first by
 * introspect/name-check.ts, which refuses control characters); these functions still escape
 * everything their target treats specially, so the user's own flags (--description, paths) are
 * safe too.
 */

/** Line and paragraph separators, and the C1 controls JSON.stringify leaves raw. */
const RAW_AFTER_JSON = /[\u007f-\u009f\u2028\u2029]/gu;

function unicodeEscape(char: string): string {
  return `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/** A TypeScript / JavaScript string literal (also a JSON string). */
export function tsString(value: string): string {
  return JSON.stringify(value).replace(RAW_AFTER_JSON, unicodeEscape);
}

/**
 * A JSON value as TypeScript, JSON or YAML flow text: JSON.stringify with the characters that
 * YAML does not take raw in a double-quoted scalar (C1 controls, separators) escaped as `\uXXXX`,
 * which JSON, JavaScript and YAML all read back the same.
 */
export function jsonValue(value: unknown): string {
  const text = JSON.stringify(value);
  if (text === undefined) throw new Error('jsonValue: the value has no JSON form');
  return text.replace(RAW_AFTER_JSON, unicodeEscape);
}

/** A YAML double-quoted scalar. */
export function yamlString(value: string): string {
  return jsonValue(value);
}

/**
 * Text for the inside of a comment (`// …`, `/** … *\/`, YAML/Dockerfile/shell `# …`): one line
 * (every line break and control character becomes a space) with no comment terminator.
 */
export function commentText(value: string): string {
  return value
    .replace(/[\p{Cc}\p{Zl}\p{Zp}]+/gu, ' ')
    .replace(/\*\//g, '*\\/')
    .trim();
}

/**
 * A Markdown inline code span that also sits safely in a table cell: fenced with one more
 * backtick than the longest run inside, `|` escaped (GitHub's tables split on it even in code),
 * on one line.
 */
export function markdownCode(value: string): string {
  const text = commentText(value).replace(/\|/g, '\\|');
  if (text === '') return '` `';
  const longestRun = Math.max(0, ...[...text.matchAll(/`+/g)].map((match) => match[0].length));
  const fence = '`'.repeat(longestRun + 1);
  // a space on each side when the text starts or ends with a backtick, or would lose one
  const pad = text.startsWith('`') || text.endsWith('`') || (text.startsWith(' ') && text.endsWith(' ')) ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}

/** Plain Markdown text: every ASCII punctuation mark Markdown or HTML could read as syntax escaped, on one line. */
export function markdownText(value: string): string {
  return commentText(value).replace(/[\\`*_{}[\]()#+\-.!|<>&~"'=:$%^]/g, (char) => (char === '<' ? '&lt;' : char === '>' ? '&gt;' : char === '&' ? '&amp;' : `\\${char}`));
}

/** One word for a POSIX shell: single-quoted, a `'` inside as `'\''`. */
export function shellWord(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * A value the templates print bare: an npm package name, a class name, a port, a version or a
 * project-relative path made by the generator itself. Anything else is an error at render time,
 * so a template that prints a name without escaping it fails in the tests, not in a project.
 */
export function plainToken(value: unknown): string {
  const text = typeof value === 'number' && Number.isSafeInteger(value) ? String(value) : value;
  if (typeof text !== 'string' || !/^[A-Za-z0-9_$@][A-Za-z0-9_$@./-]*$/.test(text) || text.includes('..')) {
    throw new Error(`${JSON.stringify(value)} is not a plain token (name, number or generated path): print it with an escaping helper`);
  }
  return text;
}
