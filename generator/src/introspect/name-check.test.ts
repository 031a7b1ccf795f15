import { describe, expect, it } from 'vitest';
import { checkSchemaNames, MAX_NAME_LENGTH, nameProblem } from './name-check.js';
import type { RawSchemaFile } from './schema-shape.js';

const model = (properties: Record<string, unknown> = { text: { type: 'string' } }, extra: Record<string, unknown> = {}) => ({ title: 'TextDoc', type: 'object', properties, ...extra });
function file(executor: string, on: string, input: unknown = model(), inputName = 'TextDoc'): RawSchemaFile {
  return {
    [executor]: {
      endpoints: [on],
      schemas: { [on]: { input: { name: inputName, model: input }, output: { name: 'TextDoc', model: model() }, is_generator: false, is_singleton_doc: false, parameters: { name: null, model: null } } },
    },
  } as RawSchemaFile;
}
const message = (result: ReturnType<typeof checkSchemaNames>) => (result.ok ? 'ok' : result.error.message);

describe('names an executor sends', () => {
  it('accepts printable text of any script, quotes, code-like fragments and emoji', () => {
    for (const name of ["it's", 'a"b', '`${x}`', '*/ x /*', '日本', 'ünï', '👩‍💻', '</script>', '{{x}}', ' ', '/a:b*c', 'x'.repeat(MAX_NAME_LENGTH)]) {
      expect(nameProblem(name), name).toBeUndefined();
    }
  });

  it('refuses control characters, separators, lone surrogates, bidirectional controls and very long names', () => {
    expect(nameProblem('a\u0000b')).toBe('contains U+0000 (a control character) at character 1: only printable text is accepted');
    expect(nameProblem('a\nb')).toMatch(/U\+000A \(a control character\)/);
    expect(nameProblem('\u001b[31mred')).toMatch(/U\+001B/);
    expect(nameProblem('a\u0085')).toMatch(/U\+0085 \(a control character\)/);
    expect(nameProblem('a\u2028b')).toMatch(/U\+2028 \(a line or paragraph separator\)/);
    expect(nameProblem('a\ud800b')).toMatch(/U\+D800 \(a lone surrogate\)/);
    expect(nameProblem('admin\u202e')).toMatch(/U\+202E \(a bidirectional control\)/);
    expect(nameProblem('x'.repeat(MAX_NAME_LENGTH + 1))).toBe(`is ${MAX_NAME_LENGTH + 1} characters long: at most ${MAX_NAME_LENGTH}`);
  });

  it('names the JSON path of the first bad name, escaped, in every place a name sits', () => {
    expect(message(checkSchemaNames(file('enc', '/a'), 'f.json'))).toBe('ok');
    expect(message(checkSchemaNames(file('', '/a'), 'f.json'))).toBe('f.json: $[""]: the deployment name is empty');
    expect(message(checkSchemaNames(file('e\u001bnc', '/a'), 'f.json'))).toBe(
      'f.json: $["e\\u001bnc"]: the deployment name "e\\u001bnc" contains U+001B (a control character) at character 1: only printable text is accepted',
    );
    expect(message(checkSchemaNames(file('enc', '/a\n'), 'f.json'))).toMatch(/^f\.json: \$\.enc\.endpoints\[0\]: the endpoint name "\/a\\n" contains U\+000A/);
    expect(message(checkSchemaNames(file('enc', '/a', model(), 'Bad\u2029'), 'f.json'))).toMatch(/^f\.json: \$\.enc\.schemas\["\/a"\]\.input\.name: the model name "Bad\\u2029"/);
    expect(message(checkSchemaNames(file('enc', '/a', model({ 'te\u0000xt': { type: 'string' } })), 'f.json'))).toMatch(
      /^f\.json: \$\.enc\.schemas\["\/a"\]\.input\.model\.properties\["te\\u0000xt"\]: the field name/,
    );
    const nested = model({ inner: { $ref: '#/$defs/Inner' } }, { $defs: { Inner: { title: 'In\u0007ner', type: 'object', properties: {} } } });
    expect(message(checkSchemaNames(file('enc', '/a', nested), 'f.json'))).toMatch(/^f\.json: \$\.enc\.schemas\["\/a"\]\.input\.model\.\$defs\.Inner\.title: the title "In\\u0007ner"/);
    const defName = model({}, { definitions: { ['D\u202e']: { type: 'object' } } });
    expect(message(checkSchemaNames(file('enc', '/a', defName), 'f.json'))).toMatch(/\.input\.model\.definitions\["D\\u202e"\]: the model name "D\\u202e" contains U\+202E/);
  });
});
