/**
 * Each escaper against its target's own reader, over random strings and the fragments that
 * break out of each language: what is read back is the value, and nothing else happened.
 */
import { execFileSync } from 'node:child_process';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { fuzzRuns, fuzzSeed, hostileName } from '../../../test/support/hostile-names.js';
import { commentText, jsonValue, markdownCode, markdownText, plainToken, shellWord, tsString, yamlString } from './escape.js';
import { checkTemplate } from './render.js';

const hostile = hostileName();
const RUNS = { numRuns: fuzzRuns(300), seed: fuzzSeed() };

describe('escapers, read back by their targets', () => {
  it('tsString and jsonValue: a JavaScript engine and JSON.parse read the same value (JSON in code through JSON.parse), and run nothing', () => {
    fc.assert(
      fc.property(hostile, (value) => {
        const sandbox: Record<string, unknown> = {};
        expect(runInNewContext(tsString(value), sandbox)).toBe(value);
        expect(runInNewContext(`JSON.parse(${tsString(jsonValue({ [value]: [value] }))})`, sandbox)).toEqual({ [value]: [value] });
        expect(JSON.parse(jsonValue({ [value]: value }))).toEqual({ [value]: value });
        expect(sandbox.INJECTED).toBeUndefined();
        expect(tsString(value)).not.toMatch(/[\n\r\u2028\u2029]/);
      }),
      RUNS,
    );
  });

  it('yamlString and jsonValue: YAML reads the value back, as a scalar and in flow collections', () => {
    fc.assert(
      fc.property(hostile, (value) => {
        expect(parseYaml(`key: ${yamlString(value)}\n`)).toEqual({ key: value });
        expect(parseYaml(`key: ${jsonValue({ [value]: [value] })} # a comment\n`)).toEqual({ key: { [value]: [value] } });
      }),
      RUNS,
    );
  });

  it('commentText: one line, no comment terminator, in every comment syntax', () => {
    fc.assert(
      fc.property(hostile, (value) => {
        const text = commentText(value);
        expect(text).not.toMatch(/[\p{Cc}\p{Zl}\p{Zp}]/u);
        expect(text).not.toContain('*/');
        const sandbox: Record<string, unknown> = {};
        expect(runInNewContext(`/** ${text} */ 1 // ${text}\n`, sandbox)).toBe(1);
        expect(sandbox.INJECTED).toBeUndefined();
        expect(parseYaml(`# ${text}\nkey: 1\n`)).toEqual({ key: 1 });
      }),
      RUNS,
    );
  });

  it('markdownCode: one code span, one table cell', () => {
    fc.assert(
      fc.property(hostile, (value) => {
        const span = markdownCode(value);
        expect(span).not.toMatch(/[\p{Cc}\p{Zl}\p{Zp}]/u);
        const fence = /^`+/.exec(span)![0];
        expect(span.endsWith(fence)).toBe(true);
        // the fence does not occur inside: the span cannot end early
        expect(span.slice(fence.length, -fence.length)).not.toMatch(new RegExp(`(^|[^\`])${fence}([^\`]|$)`));
        // no cell separator: every | is escaped
        expect(span.replace(/\\\|/g, '')).not.toContain('|');
      }),
      RUNS,
    );
  });

  it('markdownText: no Markdown or HTML syntax left', () => {
    fc.assert(
      fc.property(hostile, (value) => {
        const text = markdownText(value);
        expect(text).not.toMatch(/[<>\n]/);
        expect(text.replace(/\\[\\`*_{}[\]()#+\-.!|"'=:$%^~]|&(lt|gt|amp);/g, '')).not.toMatch(/[\\`*_{}[\]()#+\-.!|<>~]/);
      }),
      RUNS,
    );
  });

  it('shellWord: sh reads one word, the value itself', () => {
    fc.assert(
      fc.property(hostile.filter((value) => !value.includes('\u0000') && !/[\ud800-\udfff]/.test(value)), (value) => {
        const output = execFileSync('sh', ['-c', `printf '%s' ${shellWord(value)}`], { encoding: 'utf8' });
        expect(output).toBe(value);
      }),
      { numRuns: Math.min(RUNS.numRuns, 60) },
    );
  });

  it('plainToken: names, numbers and generated paths only', () => {
    expect(plainToken('search-gw')).toBe('search-gw');
    expect(plainToken(8080)).toBe('8080');
    expect(plainToken('vendor/jina-ts-runtime-0.1.0.tgz')).toBe('vendor/jina-ts-runtime-0.1.0.tgz');
    for (const bad of ["a'b", 'a b', '../x', '', 'a\nb', 1.5, undefined, '{{x}}']) expect(() => plainToken(bad)).toThrow(/not a plain token/);
  });
});

describe('templates print only through escapers', () => {
  it('refuses a bare or triple-stash value, partials, unknown blocks and helpers with other arguments', () => {
    expect(checkTemplate('a {{ts name}} {{#if x}}{{md y}}{{else}}{{plain z}}{{/if}} {{#each e}}{{comment ../n}}{{/each}}')).toBeUndefined();
    expect(checkTemplate('a\n{{name}}')).toMatch(/^line 2: \{\{name\}\} prints a value without an escaping helper/);
    expect(checkTemplate('{{{name}}}')).toMatch(/without an escaping helper/);
    expect(checkTemplate('{{ts a b}}')).toMatch(/without an escaping helper/);
    expect(checkTemplate('{{ts (lookup a b)}}')).toMatch(/without an escaping helper/);
    expect(checkTemplate('{{ts a key=b}}')).toMatch(/without an escaping helper/);
    expect(checkTemplate('{{> partial}}')).toMatch(/PartialStatement is not allowed/);
    expect(checkTemplate('{{#raw}}x{{/raw}}')).toMatch(/is not one of the blocks/);
    expect(checkTemplate('{{#if a}}{{x}}{{/if}}')).toMatch(/\{\{x\}\}/);
  });
});
