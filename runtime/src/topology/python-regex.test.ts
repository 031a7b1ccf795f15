import { describe, expect, it } from 'vitest';
import { compilePythonRegex, matchesPython, PythonRegexError, translatePythonRegex } from './python-regex.js';

// [pattern, text, re.search(...) is not None, re.match(...) is not None], produced by CPython 3.11
const PYTHON_RESULTS: [string, string, boolean | 'error', boolean?][] = [
  ["abc$", "xabc\n", true, false],
  ["abc$", "abc\nx", false, false],
  ["^b", "a\nb", false, false],
  ["(?m)^b", "a\nb", true, false],
  ["(?m)a$", "a\nb", true, true],
  ["(?m)a$", "a\rb", false, false],
  ["a.c", "a\rc", true, true],
  ["a.c", "a\nc", false, false],
  ["(?s)a.c", "a\nc", true, true],
  ["\\w+\u00e9", "caf\u00e9", true, true],
  ["^\\w+$", "na\u00efve", true, true],
  ["\\d", "\u0663", true, true],
  ["\\b\u00e9t\u00e9\\b", "un \u00e9t\u00e9 chaud", true, false],
  ["\\s", "\u001c", true, true],
  ["\\s", "\ufeff", false, false],
  ["(?P<w>ab)(?P=w)", "abab", true, true],
  ["\\Aab", "xab", false, false],
  ["ab\\Z", "ab\n", false, false],
  ["a{2}", "aa", true, true],
  ["a{,2}b", "b", true, true],
  ["a{", "a{", true, true],
  ["{}", "{}", true, true],
  ["x{1,}", "xx", true, true],
  ["[\\w-]+@", "a-b@", true, true],
  ["[^\\W\\d_]+$", "abc", true, true],
  ["[^\\W\\d_]+$", "ab1", false, false],
  ["(?i)ABC", "xabc", true, false],
  ["a(?i:B)c", "abc", true, true],
  ["a(?i:B)c", "abC", false, false],
  ["[a-c]+", "xbz", true, false],
  ["\\x41", "A", true, true],
  ["\\101", "A", true, true],
  ["(a)\\1", "aa", true, true],
  ["[]a]", "]", true, true],
  ["a|b", "b", true, true],
  ["(?x) a b # c", "ab", true, true],
  ["\\.", "a.", true, false],
  ["\\-", "-", true, true],
  ["[.]", "x", false, false],
  ["\\u00e9", "\u00e9", true, true],
  ["\\U0001F600", "\ud83d\ude00", true, true],
  ["(?#c)a", "a", true, true],
  ["(?a)\\w", "\u00e9", false, false],
  ["photo", "binocularsphoto.png", true, false],
  ["Text*", "Tex", true, true],
  ["a]", "a]", true, true],
  ["a}", "a}", true, true],
  ["[\\s]", " ", true, true],
  ["[\\S]+", " x", true, false],
  ["a/b", "a/b", true, true],
  ["[&&]", "&", true, true],
  ["(?<=a)b", "ab", true, false],
  ["(?<!a)b", "ab", false, false],
  ["a(?=b)", "ab", true, true],
  ["\\bfoo\\B", "foox", true, true],
  ["[a-]", "-", true, true],
  ["[\\d-z]", "-", 'error'],
  ["[\\1]", "\u0001", true, true],
  ["[\\8]", "8", 'error'],
  ["(a)\\12", "a", 'error'],
];

describe('compilePythonRegex', () => {
  it.each(PYTHON_RESULTS)('%j on %j behaves as in Python', (pattern, text, search, match) => {
    if (search === 'error') {
      expect(() => compilePythonRegex(pattern)).toThrow(PythonRegexError);
      return;
    }
    expect(matchesPython(compilePythonRegex(pattern, 'search'), text)).toBe(search);
    expect(matchesPython(compilePythonRegex(pattern, 'match'), text)).toBe(match);
  });

  it('anchors match mode at the start only, like re.match', () => {
    const regex = compilePythonRegex('enc', 'match');
    expect(matchesPython(regex, 'encoder')).toBe(true);
    expect(matchesPython(regex, 'my-encoder')).toBe(false);
    // the sticky RegExp is reusable: lastIndex is reset on every call
    expect(matchesPython(regex, 'encoder')).toBe(true);
    expect(matchesPython(compilePythonRegex('a|enc', 'match'), 'xenc')).toBe(false);
  });

  it('rejects what JavaScript cannot express, and Python syntax errors, naming the pattern', () => {
    expect(() => compilePythonRegex('a*+')).toThrow(/possessive/);
    expect(() => compilePythonRegex('(?>a)')).toThrow(/atomic/);
    expect(() => compilePythonRegex('(a)?(?(1)b|c)')).toThrow(/conditional/);
    expect(() => compilePythonRegex('a(?i)b')).toThrow(/global flags not at the start/);
    expect(() => compilePythonRegex('\\q')).toThrow(/bad escape \\q/);
    expect(() => compilePythonRegex('(a')).toThrow(/"\(a"/);
    expect(() => compilePythonRegex('a)')).toThrow(/unbalanced parenthesis/);
    expect(() => compilePythonRegex('[a')).toThrow(/unterminated character set/);
    expect(() => compilePythonRegex('\\2(a)')).toThrow(/invalid group reference/);
    expect(() => compilePythonRegex('\\N{BULLET}')).toThrow(/\\N/);
  });

  it('emits v-mode source with the i flag only when asked', () => {
    expect(translatePythonRegex('(?i)a').flags).toBe('iv');
    expect(translatePythonRegex('a').flags).toBe('v');
    expect(translatePythonRegex('(?P<x>a)').source).toBe('(?<x>a)');
  });
});
