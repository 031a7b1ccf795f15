/**
 * Safe, stable identifiers for whatever names executors send (reserved words, `__proto__`,
 * quotes, `*​/`, leading digits, dashes, unicode, names that differ only by case). A schema
 * string never becomes code: identifiers keep only `[A-Za-z0-9_]`, everything else reaches
 * generated code through `JSON.stringify` (string literals, quoted property keys) or `docText`.
 */

/** Words a type or value name must not be (ECMAScript/TypeScript keywords, and the globals generated code uses). */
const RESERVED = new Set(
  (
    'break case catch class const continue debugger default delete do else enum export extends false finally for function if import in ' +
    'instanceof new null return super switch this throw true try typeof var void while with as implements interface let package private ' +
    'protected public static yield any boolean constructor declare get module require number set string symbol type from of unknown never ' +
    'object bigint undefined await async keyof readonly infer is unique global satisfies accessor out ' +
    // globals and runtime names the generated modules refer to
    'Array ReadonlyArray Record Readonly Partial Promise Uint8Array AsyncIterable AsyncGenerator Error Object String Number Boolean Symbol ' +
    'JSON Map Set Tensor runtime validators models'
  ).split(' '),
);

/**
 * Longest identifier made from a name (before a uniqueness suffix): identifiers also name files
 * and directories (src/gen/validate/{executor}/{endpoint}.ts), whose names file systems cap at
 * 255 bytes, and a long name is no easier to read in code.
 */
export const MAX_IDENTIFIER_LENGTH = 64;

/** `my-text doc` → `MyTextDoc`; `123` → `_123`; `class` → `Class_`; never empty. */
export function pascalIdentifier(raw: string): string {
  const words = withoutMarks(raw).split(/[^A-Za-z0-9]+/).filter(Boolean);
  let name = words.map((word) => word[0]!.toUpperCase() + word.slice(1)).join('').slice(0, MAX_IDENTIFIER_LENGTH);
  if (name === '') name = 'Model';
  if (/^[0-9]/.test(name)) name = `_${name}`;
  return RESERVED.has(name) ? `${name}_` : name;
}

/** `/encode-text` → `encode_text`; `/` → `root`; for names inside identifiers and file names. */
export function snakeIdentifier(raw: string): string {
  let name = withoutMarks(raw)
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_+/, '')
    .slice(0, MAX_IDENTIFIER_LENGTH)
    .replace(/_+$/, '');
  if (name === '') name = 'root';
  if (/^[0-9]/.test(name)) name = `_${name}`;
  return name;
}

/** `ünï` → `uni`: letters without their combining accents (other scripts drop out later). */
function withoutMarks(raw: string): string {
  return raw.normalize('NFKD').replace(/\p{M}+/gu, '');
}

/**
 * Hands out identifiers unique among those already taken, compared without case (they also name
 * files, and macOS/Windows file systems ignore case): `Doc`, then `Doc2`, `Doc3`…
 */
export class IdentifierPool {
  private readonly taken = new Set<string>();

  constructor(reserved: Iterable<string> = []) {
    for (const name of reserved) this.taken.add(name.toLowerCase());
  }

  claim(base: string): string {
    let name = base;
    for (let n = 2; this.taken.has(name.toLowerCase()); n += 1) name = `${base}${n}`;
    this.taken.add(name.toLowerCase());
    return name;
  }
}

/** A property key as TypeScript source: bare when it is a plain identifier, else a JSON string literal. */
export function propertyKey(name: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) && name !== '__proto__' ? name : JSON.stringify(name);
}

/** Text safe inside a `/** … *\/` comment: no comment terminator, no line that could end it, printable. */
export function docText(text: string): string {
  return text
    .replace(/\*\//g, '*\\/')
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f\u2028\u2029]/g, ' ')
    .trim();
}
