/**
 * Re-indents generated TypeScript by bracket depth, two spaces a level, in one linear pass: the
 * stand-in for ts-poet's dprint formatting of ts-proto's output, which took most of its time and
 * grew faster than linearly. Only leading whitespace changes, and only of lines that begin in
 * code or as a `*` line of a block comment: a line that begins inside a string or a template
 * literal is kept as it is, so what the code means never changes. A line's indent is one more
 * than the line that opened its innermost bracket (several brackets opened on one line count as
 * one level); leading closers dedent their line. Whitespace-only lines become empty. If the
 * source does not scan as balanced (brackets, strings, comments), it is returned unchanged.
 */

const INDENT = '  ';

const enum State {
  Code,
  BlockComment,
  Single,
  Double,
  Template,
}

const OPEN_PAREN = 40;
const CLOSE_PAREN = 41;
const OPEN_BRACKET = 91;
const CLOSE_BRACKET = 93;
const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;
const SLASH = 47;
const STAR = 42;
const BACKSLASH = 92;
const SINGLE = 39;
const DOUBLE = 34;
const BACKTICK = 96;
const DOLLAR = 36;
const SPACE = 32;
const TAB = 9;
const CR = 13;

/** The characters that matter in code (ASCII): brackets, quotes, the slash of a comment. */
const SPECIAL = new Uint8Array(128);
for (const char of '{}()[]\'"`/') SPECIAL[char.charCodeAt(0)] = 1;

function isCloser(code: number): boolean {
  return code === CLOSE_BRACE || code === CLOSE_PAREN || code === CLOSE_BRACKET;
}

export function reindent(source: string): string {
  const out: string[] = [];
  /** Per open bracket: the indent level of the lines inside it. */
  const levels: number[] = [];
  /** Per open template literal: the bracket depth at its `${`, to know which `}` closes the substitution. */
  const templates: number[] = [];
  const indents: string[] = [''];
  const indent = (level: number): string => {
    while (indents.length <= level) indents.push(indents[indents.length - 1]! + INDENT);
    return indents[level]!;
  };
  let state: State = State.Code;
  let at = 0;
  const length = source.length;
  while (at <= length) {
    let end = source.indexOf('\n', at);
    if (end < 0) end = length;
    // the line's own text, from its first non-blank character
    let first = at;
    if (state === State.Code || state === State.BlockComment) {
      while (first < end && (source.charCodeAt(first) === SPACE || source.charCodeAt(first) === TAB || source.charCodeAt(first) === CR)) first++;
    }
    const blank = first === end;
    let lineLevel = 0;
    if (state === State.Code) {
      let closers = 0;
      while (first + closers < end && isCloser(source.charCodeAt(first + closers))) closers++;
      closers = Math.min(closers, levels.length);
      lineLevel = levels.length - closers > 0 ? levels[levels.length - closers - 1]! : 0;
      if (!blank) out.push(indent(lineLevel) + source.slice(first, end));
      else if (out.length > 0 && out[out.length - 1] !== '') out.push('');
    } else if (state === State.BlockComment && source.charCodeAt(first) === STAR) {
      lineLevel = levels.length > 0 ? levels[levels.length - 1]! : 0;
      out.push(`${indent(lineLevel)} ${source.slice(first, end)}`);
    } else {
      out.push(source.slice(at, end));
      lineLevel = levels.length > 0 ? levels[levels.length - 1]! : 0;
    }
    // scan the line for brackets, strings and comments
    for (let i = first; i < end; i++) {
      if (state === State.Code) {
        const code = source.charCodeAt(i);
        if (code >= 128 || SPECIAL[code] === 0) continue;
        if (code === OPEN_BRACE || code === OPEN_PAREN || code === OPEN_BRACKET) levels.push(lineLevel + 1);
        else if (code === CLOSE_BRACE && templates.length > 0 && templates[templates.length - 1] === levels.length) {
          templates.pop();
          state = State.Template;
        } else if (isCloser(code)) {
          if (levels.length === 0) return source;
          levels.pop();
        } else if (code === SINGLE) state = State.Single;
        else if (code === DOUBLE) state = State.Double;
        else if (code === BACKTICK) state = State.Template;
        else if (code === SLASH) {
          const next = source.charCodeAt(i + 1);
          if (next === SLASH) {
            i = end; // the rest of the line is a comment
          } else if (next === STAR) {
            state = State.BlockComment;
            i++;
          }
        }
      } else if (state === State.BlockComment) {
        const close = source.indexOf('*/', i);
        if (close < 0 || close >= end) break;
        state = State.Code;
        i = close + 1;
      } else {
        const code = source.charCodeAt(i);
        if (code === BACKSLASH) i++;
        else if (state === State.Template) {
          if (code === BACKTICK) state = State.Code;
          else if (code === DOLLAR && source.charCodeAt(i + 1) === OPEN_BRACE) {
            templates.push(levels.length);
            state = State.Code;
            i++;
          }
        } else if (code === (state === State.Single ? SINGLE : DOUBLE)) state = State.Code;
      }
    }
    // a string may not run over a line end but by a backslash before it
    if ((state === State.Single || state === State.Double) && source.charCodeAt(end - 1) !== BACKSLASH) return source;
    if (end === length) break;
    at = end + 1;
  }
  if (state !== State.Code || levels.length > 0 || templates.length > 0) return source;
  return out.join('\n');
}
