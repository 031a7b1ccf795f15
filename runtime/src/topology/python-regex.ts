/**
 * Python `re` patterns run on JavaScript's RegExp. Jina matches `target_executor` with
 * `re.match` and docarray's `$regex` uses `re.search`; both take patterns written for Python,
 * and the two dialects differ in ways that silently change results (`$` also matches before a
 * final newline, `.` excludes only `\n`, `\w`/`\d`/`\b` are Unicode-aware, `(?P<name>...)`,
 * `\A`/`\Z`, global inline flags). Patterns are translated token by token into a `v`-mode
 * RegExp; constructs JS cannot express raise PythonRegexError instead of matching differently.
 *
 * Known remaining differences: case-insensitive matching uses JS's case folding (Python's
 * differs for a handful of characters), and `(?L)`, `(?>...)`, possessive quantifiers,
 * conditionals and `\N{...}` are rejected.
 */

export class PythonRegexError extends Error {
  override readonly name = 'PythonRegexError';

  constructor(
    readonly pattern: string,
    reason: string,
  ) {
    super(`invalid Python regular expression ${JSON.stringify(pattern)}: ${reason}`);
  }
}

/** How the pattern is applied: `re.search` (anywhere) or `re.match` (anchored at the start only). */
export type PythonRegexMode = 'search' | 'match';

interface Flags {
  ignoreCase: boolean;
  multiline: boolean;
  dotAll: boolean;
  ascii: boolean;
  verbose: boolean;
}

/**
 * Compiles a Python pattern. In 'match' mode the RegExp is sticky: call `test` on it only
 * through `matchesPython`, which resets lastIndex.
 */
export function compilePythonRegex(pattern: string, mode: PythonRegexMode = 'search'): RegExp {
  const source = translatePythonRegex(pattern);
  try {
    return new RegExp(source.source, source.flags + (mode === 'match' ? 'y' : ''));
  } catch (error) {
    throw new PythonRegexError(pattern, (error as Error).message);
  }
}

/** `re.search(pattern, text) is not None` / `re.match(...)` for a RegExp from compilePythonRegex. */
export function matchesPython(regex: RegExp, text: string): boolean {
  regex.lastIndex = 0;
  return regex.test(text);
}

/** The JS source and flags for a Python pattern (exported for tests and error messages). */
export function translatePythonRegex(pattern: string): { source: string; flags: string } {
  return new Translator(pattern).run();
}

const WORD = '\\p{L}\\p{N}_';
const ASCII_WORD = 'A-Za-z0-9_';
/** str.isspace(): Python's \s for str patterns (JS's \s adds U+FEFF and lacks \x1c-\x1f, \x85). */
const SPACE = '\\t\\n\\x0B\\f\\r\\x1C-\\x1F \\x85\\xA0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000';
const ASCII_SPACE = '\\t\\n\\x0B\\f\\r ';
const DIGIT = '\\p{Nd}';
const ASCII_DIGIT = '0-9';

/** Characters that must be escaped to be literal in a v-mode RegExp, outside and inside classes. */
const SYNTAX_OUTSIDE = new Set('^$\\.*+?()[]{}|/');
const ESCAPABLE_IN_CLASS = new Set('^$\\.*+?()[]{}|/&-!#%,:;<=>@`~');

const PYTHON_ESCAPES: Record<string, string> = {
  a: '\\x07',
  f: '\\f',
  n: '\\n',
  r: '\\r',
  t: '\\t',
  v: '\\x0B',
};

class Translator {
  private pos = 0;
  private out = '';
  private readonly flagStack: Flags[] = [];
  private flags: Flags = { ignoreCase: false, multiline: false, dotAll: false, ascii: false, verbose: false };
  private groupCount = 0;

  constructor(private readonly pattern: string) {}

  run(): { source: string; flags: string } {
    this.readGlobalFlags();
    const global = { ...this.flags };
    while (this.pos < this.pattern.length) this.readAtom();
    if (this.flagStack.length > 0) this.fail('missing ), unterminated subpattern');
    return { source: this.out, flags: global.ignoreCase ? 'iv' : 'v' };
  }

  private fail(reason: string): never {
    throw new PythonRegexError(this.pattern, reason);
  }

  private peek(offset = 0): string | undefined {
    return this.pattern[this.pos + offset];
  }

  /** Python 3.11 accepts global flags only at the very start: `(?aimsux)`, possibly repeated. */
  private readGlobalFlags(): void {
    for (;;) {
      const match = /^\(\?([aiLmsux]+)\)/.exec(this.pattern.slice(this.pos));
      if (!match) return;
      for (const flag of match[1]!) this.applyFlag(this.flags, flag, true);
      this.pos += match[0].length;
    }
  }

  private applyFlag(flags: Flags, flag: string, on: boolean): void {
    switch (flag) {
      case 'i':
        flags.ignoreCase = on;
        break;
      case 'm':
        flags.multiline = on;
        break;
      case 's':
        flags.dotAll = on;
        break;
      case 'a':
        flags.ascii = on;
        break;
      case 'u':
        break;
      case 'x':
        flags.verbose = on;
        break;
      case 'L':
        this.fail('the (?L) flag is only valid for bytes patterns');
    }
  }

  private readAtom(): void {
    const ch = this.pattern[this.pos]!;
    if (this.flags.verbose) {
      if (/\s/.test(ch)) {
        this.pos++;
        return;
      }
      if (ch === '#') {
        while (this.pos < this.pattern.length && this.pattern[this.pos] !== '\n') this.pos++;
        return;
      }
    }
    switch (ch) {
      case '\\':
        this.out += this.readEscape(false);
        return;
      case '[':
        this.readClass();
        return;
      case '(':
        this.readGroupOpen();
        return;
      case ')':
        if (this.flagStack.length === 0) this.fail(`unbalanced parenthesis at position ${this.pos}`);
        this.flags = this.flagStack.pop()!;
        this.out += ')';
        this.pos++;
        return;
      case '.':
        this.out += this.flags.dotAll ? '[\\s\\S]' : '[^\\n]';
        this.pos++;
        return;
      case '^':
        // Python: start of string, or after any \n in MULTILINE (JS also breaks on \r, \u2028...)
        this.out += this.flags.multiline ? '(?<![^\\n])' : '(?<![\\s\\S])';
        this.pos++;
        return;
      case '$':
        // Python: end of string or before a final \n; in MULTILINE before any \n
        this.out += this.flags.multiline ? '(?![^\\n])' : '(?=\\n?(?![\\s\\S]))';
        this.pos++;
        return;
      case '*':
      case '+':
      case '?':
        this.out += ch;
        this.pos++;
        this.readQuantifierSuffix();
        return;
      case '{':
        this.readBrace();
        return;
      case '|':
        this.out += '|';
        this.pos++;
        return;
      default:
        this.out += literalOutside(this.readCodePoint());
    }
  }

  private readCodePoint(): string {
    const cp = this.pattern.codePointAt(this.pos)!;
    const ch = String.fromCodePoint(cp);
    this.pos += ch.length;
    return ch;
  }

  private readQuantifierSuffix(): void {
    if (this.peek() === '?') {
      this.out += '?';
      this.pos++;
    } else if (this.peek() === '+') {
      this.fail('possessive quantifiers have no JavaScript equivalent');
    }
  }

  /** `{m}`, `{m,}`, `{,n}`, `{m,n}`, `{,}` are quantifiers; any other `{` is a literal (Python's rule). */
  private readBrace(): void {
    const match = /^\{(\d*)(?:(,)(\d*))?\}/.exec(this.pattern.slice(this.pos));
    if (!match || (match[1] === '' && match[2] === undefined)) {
      this.out += '\\{';
      this.pos++;
      return;
    }
    const min = match[1] === '' ? '0' : String(Number(match[1]));
    const max = match[2] === undefined ? min : match[3] === '' ? '' : String(Number(match[3]));
    if (max !== '' && Number(max) < Number(min)) this.fail('min repeat greater than max repeat');
    this.out += match[2] === undefined ? `{${min}}` : `{${min},${max}}`;
    this.pos += match[0].length;
    this.readQuantifierSuffix();
  }

  private readGroupOpen(): void {
    this.flagStack.push({ ...this.flags });
    const rest = this.pattern.slice(this.pos);
    if (!rest.startsWith('(?')) {
      this.groupCount++;
      this.out += '(';
      this.pos++;
      return;
    }
    let match: RegExpExecArray | null;
    if ((match = /^\(\?P<([^>]*)>/.exec(rest))) {
      this.checkGroupName(match[1]!);
      this.groupCount++;
      this.out += `(?<${match[1]}>`;
      this.pos += match[0].length;
    } else if ((match = /^\(\?P=([^)]*)\)/.exec(rest))) {
      this.checkGroupName(match[1]!);
      this.flagStack.pop();
      this.out += `\\k<${match[1]}>`;
      this.pos += match[0].length;
    } else if ((match = /^\(\?(:|=|!|<=|<!)/.exec(rest))) {
      this.out += match[0];
      this.pos += match[0].length;
    } else if (rest.startsWith('(?#')) {
      this.flagStack.pop();
      const end = this.pattern.indexOf(')', this.pos);
      if (end < 0) this.fail('missing ), unterminated comment');
      this.pos = end + 1;
    } else if ((match = /^\(\?([aimsux]*)(?:-([imsx]*))?:/.exec(rest))) {
      const on = match[1]!;
      const off = match[2] ?? '';
      if (on.includes('x') || off.includes('x')) this.fail('the verbose flag cannot be scoped');
      for (const flag of on) this.applyFlag(this.flags, flag, true);
      for (const flag of off) this.applyFlag(this.flags, flag, false);
      // m and s are translated above; only i needs the engine's help
      const jsOn = on.includes('i') ? 'i' : '';
      const jsOff = off.includes('i') ? 'i' : '';
      this.out += jsOn || jsOff ? `(?${jsOn}${jsOff ? `-${jsOff}` : ''}:` : '(?:';
      this.pos += match[0].length;
    } else if (/^\(\?[aiLmsux]+\)/.test(rest)) {
      this.fail(`global flags not at the start of the expression at position ${this.pos}`);
    } else if (rest.startsWith('(?>')) {
      this.fail('atomic groups (?>...) have no JavaScript equivalent');
    } else if (rest.startsWith('(?(')) {
      this.fail('conditional groups (?(id)yes|no) have no JavaScript equivalent');
    } else {
      this.fail(`unknown extension ${rest.slice(0, 3)} at position ${this.pos}`);
    }
  }

  private checkGroupName(name: string): void {
    if (!/^[\p{L}_][\p{L}\p{N}_]*$/u.test(name)) this.fail(`bad character in group name ${JSON.stringify(name)}`);
  }

  /** An escape outside a class; returns JS source. */
  private readEscape(inClass: boolean): string {
    this.pos++; // the backslash
    if (this.pos >= this.pattern.length) this.fail('bad escape (end of pattern)');
    const ch = this.pattern[this.pos]!;
    const ascii = this.flags.ascii;
    const word = ascii ? ASCII_WORD : WORD;
    switch (ch) {
      case 'd':
        this.pos++;
        return inClass ? (ascii ? ASCII_DIGIT : DIGIT) : `[${ascii ? ASCII_DIGIT : DIGIT}]`;
      case 'D':
        this.pos++;
        return `[^${ascii ? ASCII_DIGIT : DIGIT}]`;
      case 'w':
        this.pos++;
        return inClass ? word : `[${word}]`;
      case 'W':
        this.pos++;
        return `[^${word}]`;
      case 's':
        this.pos++;
        return inClass ? (ascii ? ASCII_SPACE : SPACE) : `[${ascii ? ASCII_SPACE : SPACE}]`;
      case 'S':
        this.pos++;
        return `[^${ascii ? ASCII_SPACE : SPACE}]`;
      case 'b':
        this.pos++;
        if (inClass) return '\\x08';
        return `(?:(?<=[${word}])(?![${word}])|(?<![${word}])(?=[${word}]))`;
      case 'B':
        this.pos++;
        if (inClass) this.fail('bad escape \\B in a character class');
        return `(?:(?<=[${word}])(?=[${word}])|(?<![${word}])(?![${word}]))`;
      case 'A':
        this.pos++;
        if (inClass) this.fail('bad escape \\A in a character class');
        return '(?<![\\s\\S])';
      case 'Z':
        this.pos++;
        if (inClass) this.fail('bad escape \\Z in a character class');
        return '(?![\\s\\S])';
      case 'x':
        return this.hexEscape(2);
      case 'u':
        return this.hexEscape(4);
      case 'U':
        return this.hexEscape(8);
      case 'N':
        this.fail('named character escapes \\N{...} are not supported');
    }
    if (Object.hasOwn(PYTHON_ESCAPES, ch)) {
      this.pos++;
      return PYTHON_ESCAPES[ch]!;
    }
    if (ch >= '0' && ch <= '9') return this.numericEscape(inClass);
    if (/[A-Za-z]/.test(ch)) this.fail(`bad escape \\${ch}`);
    const literal = this.readCodePoint();
    return inClass ? literalInClass(literal) : literalOutside(literal);
  }

  private hexEscape(digits: number): string {
    const letter = this.pattern[this.pos]!;
    const hex = this.pattern.slice(this.pos + 1, this.pos + 1 + digits);
    if (hex.length !== digits || !/^[0-9a-fA-F]+$/.test(hex)) this.fail(`incomplete escape \\${letter}${hex}`);
    const cp = parseInt(hex, 16);
    if (cp > 0x10ffff) this.fail(`bad escape \\${letter}${hex}`);
    this.pos += 1 + digits;
    return codePointEscape(cp);
  }

  /** Octal escapes and group references, by sre_parse's rules. */
  private numericEscape(inClass: boolean): string {
    const rest = this.pattern.slice(this.pos);
    // in a class every digit escape is octal; outside, only \0.. and three octal digits are
    const octal = (inClass ? /^[0-7]{1,3}/ : /^(0[0-7]{0,2}|[0-7]{3})/).exec(rest);
    if (octal) {
      const cp = parseInt(octal[0], 8);
      if (cp > 0o377) this.fail(`octal escape value \\${octal[0]} outside of range 0-0o377`);
      this.pos += octal[0].length;
      return codePointEscape(cp);
    }
    if (inClass) this.fail(`bad escape \\${rest[0]} in a character class`);
    const group = /^[1-9][0-9]?/.exec(rest)![0];
    if (Number(group) > this.groupCount) this.fail(`invalid group reference ${group}`);
    this.pos += group.length;
    return `(?:\\${group})`;
  }

  private readClass(): void {
    this.pos++; // [
    let out = '[';
    if (this.peek() === '^') {
      out += '^';
      this.pos++;
    }
    let first = true;
    for (;;) {
      if (this.pos >= this.pattern.length) this.fail('unterminated character set');
      const ch = this.pattern[this.pos]!;
      if (ch === ']' && !first) {
        this.pos++;
        break;
      }
      first = false;
      const start = this.readClassItem();
      const range = this.peek() === '-' && this.peek(1) !== ']' && this.peek(1) !== undefined;
      if (range && !start.single) this.fail('bad character range');
      if (range) {
        this.pos++; // -
        const end = this.readClassItem();
        if (!end.single) this.fail('bad character range');
        if (end.codePoint! < start.codePoint!) this.fail('bad character range');
        out += `${start.source}-${end.source}`;
      } else {
        out += start.source;
      }
    }
    this.out += `${out}]`;
  }

  private readClassItem(): { source: string; single: boolean; codePoint?: number } {
    const ch = this.pattern[this.pos]!;
    if (ch === '\\') {
      const next = this.pattern[this.pos + 1];
      const before = this.pos;
      const source = this.readEscape(true);
      if (next !== undefined && /[dDwWsS]/.test(next)) return { source, single: false };
      return { source, single: true, codePoint: this.escapedCodePoint(before) };
    }
    const literal = this.readCodePoint();
    return { source: literalInClass(literal), single: true, codePoint: literal.codePointAt(0)! };
  }

  /** The code point of the single-character escape that started at `start`. */
  private escapedCodePoint(start: number): number {
    const text = this.pattern.slice(start + 1, this.pos);
    const letter = text[0]!;
    if (letter === 'x' || letter === 'u' || letter === 'U') return parseInt(text.slice(1), 16);
    if (letter >= '0' && letter <= '7') return parseInt(text, 8);
    if (letter === 'b') return 8;
    const simple: Record<string, number> = { a: 7, f: 12, n: 10, r: 13, t: 9, v: 11 };
    return simple[letter] ?? text.codePointAt(0)!;
  }
}

function codePointEscape(cp: number): string {
  return `\\u{${cp.toString(16)}}`;
}

function literalOutside(ch: string): string {
  return SYNTAX_OUTSIDE.has(ch) ? `\\${ch}` : ch;
}

function literalInClass(ch: string): string {
  return ESCAPABLE_IN_CLASS.has(ch) ? `\\${ch}` : ch;
}
