/**
 * The re-indenter that stands in for dprint on ts-proto's output: indents by bracket depth, one
 * level per line that opens brackets, dedents leading closers, never touches a line that begins
 * inside a string or template literal, and gives up (input unchanged) on what does not scan.
 */
import { describe, expect, it } from 'vitest';
import { reindent } from './reindent.js';

describe('reindent', () => {
  it('indents by bracket depth, several brackets opened on one line being one level', () => {
    const source = [
      '    /* eslint-disable */',
      'export const A = {',
      '              encode(',
      '      message: A,',
      '    ): Writer {',
      'Object.entries(message.map).forEach(([key, value]) => {',
      '              write({ key, value });',
      '            });',
      '  return writer;',
      '},',
      '};',
      '',
    ].join('\n');
    expect(reindent(source)).toBe(
      [
        '/* eslint-disable */',
        'export const A = {',
        '  encode(',
        '    message: A,',
        '  ): Writer {',
        '    Object.entries(message.map).forEach(([key, value]) => {',
        '      write({ key, value });',
        '    });',
        '    return writer;',
        '  },',
        '};',
        '',
      ].join('\n'),
    );
  });

  it('ignores brackets in strings and comments, re-indents block comment lines, collapses blank lines', () => {
    const source = ['function f() {', '/**', '     * a } "quoted" `tick`', '     */', "const s = '}{(';", '', '', '', 'const t = "\\"{";', '// }', '}', ''].join('\n');
    expect(reindent(source)).toBe(['function f() {', '  /**', '   * a } "quoted" `tick`', '   */', "  const s = '}{(';", '', '  const t = "\\"{";', '  // }', '}', ''].join('\n'));
  });

  it('keeps the lines of a template literal as they are, substitutions included', () => {
    const source = ['if (x) {', 'const t = `line', '    kept ${ {a: 1}.a } {', '  also kept`;', '  }', ''].join('\n');
    expect(reindent(source)).toBe(['if (x) {', '  const t = `line', '    kept ${ {a: 1}.a } {', '  also kept`;', '}', ''].join('\n'));
  });

  it('returns what does not scan (unbalanced brackets, an unterminated string or comment) unchanged', () => {
    for (const source of ['  a {\n', ' }\n  x', "  const s = 'open\n  y;", '  /* open\n  z', '  `open\n']) expect(reindent(source)).toBe(source);
  });

  it('is deterministic and idempotent', () => {
    const source = 'a {\n      b(\n  c);\n}\n';
    expect(reindent(reindent(source))).toBe(reindent(source));
  });
});
