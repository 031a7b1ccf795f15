import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatTypeErrors, typeCheckWithGenerated } from './type-check.js';

let dir: string;
const MODELS_V1 = 'export interface Embedded { text: string; score: number }\n';
const USER = `import type { Embedded } from './gen/models.js';

export function describe(doc: Embedded): string {
  return doc.text + ' ' + doc.score.toFixed(2);
}
`;

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'create-gateway-typecheck-'));
  mkdirSync(path.join(dir, 'src/gen'), { recursive: true });
  writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { strict: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2023', types: [], noEmit: true }, include: ['src/**/*.ts'] }));
  writeFileSync(path.join(dir, 'package.json'), '{"type": "module"}');
  writeFileSync(path.join(dir, 'src/gen/models.ts'), MODELS_V1);
  writeFileSync(path.join(dir, 'src/user.ts'), USER);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('typeCheckWithGenerated', () => {
  it('the current generated files: no errors', () => {
    expect(typeCheckWithGenerated(dir, [{ path: 'src/gen/models.ts', content: MODELS_V1 }])).toEqual({ userErrors: [], generatedErrors: [] });
  });

  it('new generated files (in memory only) that drop a field: the user call site that reads it, by file and line', () => {
    const next = 'export interface Embedded { text: string; norm: number }\n';
    const report = typeCheckWithGenerated(dir, [{ path: 'src/gen/models.ts', content: next }]);
    expect(report.generatedErrors).toEqual([]);
    expect(report.userErrors).toHaveLength(1);
    expect(report.userErrors[0]).toMatchObject({ file: 'src/user.ts', line: 4 });
    expect(formatTypeErrors(report.userErrors)).toBe("src/user.ts:4: Property 'score' does not exist on type 'Embedded'.");
    // nothing was written
    expect(readFileSync(path.join(dir, 'src/gen/models.ts'), 'utf8')).toBe(MODELS_V1);
  });
});
