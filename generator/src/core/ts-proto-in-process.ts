/**
 * ts-proto's code generator run in this process, on the image `buf build` makes of the protos or
 * on descriptors of the same values (proto-descriptor.ts), instead of `buf generate` spawning the
 * protoc-gen-ts_proto plugin. The same steps as the plugin's own main (ts-proto/build/src/plugin.js,
 * version pinned in package.json): options from the parameter string, the type map of every file,
 * `generateFile` for the files to generate and their imports, ts-poet's `toString` with ts-proto's
 * options. Two things differ, both for time (19 s → under 2 s at 16 executors × 8 endpoints × 32
 * fields, see BENCHMARKS.md), and a few of ts-poet's and ts-proto's steps are replaced by faster
 * ones with the same results ({@link patchTsPoet}, {@link plainDescriptorExports},
 * {@link memoizeSnakeToCamel}):
 *
 * - ts-poet's dprint formatting is off (`format: false`): it took 60 % of the plugin's time and
 *   grows faster than linearly (11 s for the 7 MB of that size); the code is re-indented by
 *   {@link reindent} instead (linear, ~30 ms), and imports keep ts-poet's single quotes.
 * - ts-proto's `SourceInfo.open` (the comments of a message, once per message) filters every
 *   location of the file: quadratic in the file's size (6 s at that size). It is replaced by one
 *   that groups a level's locations once; the lookups, and so the output, are the same.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { WELL_KNOWN_PROTOS } from './gen/well-known-protos.js';
import { reindent } from './reindent.js';

/** The ts-proto version whose internals this module drives (generator/package.json pins it). */
export const TS_PROTO_VERSION = '2.8.3';

interface TsProtoInternals {
  readonly version: string;
  readonly descriptors: {
    FileDescriptorProto: { decode(input: Uint8Array): FileDescriptor };
  };
  readonly options: {
    optionsFromParameter(parameter: string): Record<string, unknown> & { emitImportedFiles: boolean; M: Record<string, string> };
    getTsPoetOpts(options: unknown, tsProtoVersion: string, protocVersion: string, fileName?: string): Record<string, unknown>;
  };
  readonly types: { createTypeMap(request: unknown, options: unknown): unknown };
  readonly main: {
    makeUtils(options: unknown): unknown;
    generateFile(ctx: unknown, file: FileDescriptor): [string, { toString(options: Record<string, unknown>): string }];
  };
  readonly context: { createFileContext(file: FileDescriptor): unknown };
}

interface FileDescriptor {
  readonly name: string;
  readonly dependency: readonly string[];
}

/** A generated TypeScript file, its path relative to the output directory. */
export interface TsProtoFile {
  readonly name: string;
  readonly content: string;
}

let loaded: TsProtoInternals | undefined;

type SourceMap = Record<string, unknown>;
interface SourceInfoClass {
  new (sourceCode: SourceMap, selfDescription: unknown): { sourceCode: SourceMap; lookup(type: number, index?: number): unknown };
  prototype: { open(type: number, index: number): unknown; lookup(type: number, index?: number): unknown; sourceCode: SourceMap };
}

/** `open(type, index)` by a map of the locations grouped by their first two path elements, built once per SourceInfo. */
function patchSourceInfo(SourceInfo: SourceInfoClass): void {
  const groups = new WeakMap<object, Map<string, SourceMap>>();
  SourceInfo.prototype.open = function open(this: { sourceCode: SourceMap; lookup(type: number, index?: number): unknown }, type: number, index: number) {
    let byPrefix = groups.get(this);
    if (byPrefix === undefined) {
      byPrefix = new Map();
      for (const key of Object.keys(this.sourceCode)) {
        const first = key.indexOf('.');
        const second = first < 0 ? -1 : key.indexOf('.', first + 1);
        if (second < 0) continue;
        const prefix = key.slice(0, second);
        let group = byPrefix.get(prefix);
        if (group === undefined) byPrefix.set(prefix, (group = {}));
        group[key.slice(second + 1)] = this.sourceCode[key];
      }
      groups.set(this, byPrefix);
    }
    return new SourceInfo(byPrefix.get(`${type}.${index}`) ?? {}, this.lookup(type, index));
  };
}

/**
 * The ts-poet version whose internals {@link patchTsPoet} replaces. Another one is refused (see
 * {@link requirePinnedVersion}): its internals may differ, and a patch skipped or half applied
 * would change the output or the time without a word.
 */
export const TS_POET_VERSION = '6.12.0';

/**
 * The package.json version `fromPackage` (a require rooted in the package) finds, when it is
 * `pinned`; else an error naming the package, both versions and what to do. The patches here
 * replace internals of exactly these versions, so any other fails loudly instead of being
 * patched wrongly or left unpatched.
 */
export function requirePinnedVersion(name: string, fromPackage: NodeRequire, pinned: string): string {
  const version = (fromPackage('./package.json') as { version: string }).version;
  if (version !== pinned) {
    throw new Error(
      `${name} ${version} is installed, but create-gateway's in-process ts-proto (generator/src/core/ts-proto-in-process.ts) drives ${name} ${pinned}: install ${name}@${pinned} (generator/package.json pins it), or check its patches against ${version} and update the pin`,
    );
  }
  return version;
}

/** `module[member]` when it is a function; else an error naming the internal that moved. */
function internal<T>(name: string, owner: Record<string, unknown>, member: string): T {
  const value = owner[member];
  if (typeof value !== 'function') throw new Error(`${name}: ${member} is not a function any more; ts-proto-in-process.ts patches it (installed versions differ from the pinned ones?)`);
  return value as T;
}

type Placeholder = unknown;
interface TsPoetModules {
  readonly Node: abstract new () => { readonly childNodes: readonly Placeholder[] };
  readonly Code: { prototype: { deepFindAll(utilsUrl?: string): [unknown[], unknown[], unknown[]] } };
  readonly Def: abstract new () => object;
  readonly ConditionalOutput: abstract new () => { readonly declarationSiteCode: { readonly childNodes: readonly Placeholder[] } };
  readonly MaybeOutput: abstract new () => { readonly parent: unknown; readonly code: Placeholder };
  readonly Import: abstract new () => object;
}

/**
 * Two of ts-poet's steps in `toString`, the same results sooner (~6 % of ts-proto's time at
 * 16 × 8 × 32): `sameModule`, which assignAliasesIfNeeded calls for every import site (two
 * regular expressions and two `path.resolve` each, with a handful of distinct arguments), is
 * memoized; `deepFindAll`, a breadth-first walk of the whole code tree, skips primitive
 * placeholders before its instanceof checks and pushes children one by one instead of spreading
 * them. The walk's order and every list it returns are unchanged.
 */
export function patchTsPoet(fromTsPoet: NodeRequire): void {
  requirePinnedVersion('ts-poet', fromTsPoet, TS_POET_VERSION);
  const importModule = fromTsPoet('./build/Import.js') as { sameModule(a: string, b: string): boolean; Import: TsPoetModules['Import'] };
  const sameModule = internal<(a: string, b: string) => boolean>('ts-poet build/Import.js', importModule as unknown as Record<string, unknown>, 'sameModule');
  const known = new Map<string, boolean>();
  importModule.sameModule = (a, b) => {
    const key = `${a}\0${b}`;
    let same = known.get(key);
    if (same === undefined) known.set(key, (same = sameModule(a, b)));
    return same;
  };
  const { Code, Def } = fromTsPoet('./build/Code.js') as Pick<TsPoetModules, 'Code' | 'Def'>;
  const { Node } = fromTsPoet('./build/Node.js') as Pick<TsPoetModules, 'Node'>;
  const { ConditionalOutput, MaybeOutput } = fromTsPoet('./build/ConditionalOutput.js') as Pick<TsPoetModules, 'ConditionalOutput' | 'MaybeOutput'>;
  const { Import } = importModule;
  const deepFindAll = internal<TsPoetModules['Code']['prototype']['deepFindAll']>('ts-poet build/Code.js Code.prototype', Code.prototype as unknown as Record<string, unknown>, 'deepFindAll');
  Code.prototype.deepFindAll = function (this: unknown, utilsUrl?: string) {
    if (utilsUrl) return deepFindAll.call(this, utilsUrl); // conditionalUtils: ts-proto never passes it
    const used: unknown[] = [];
    const imports: unknown[] = [];
    const defs: unknown[] = [];
    const todo: Placeholder[] = [this];
    for (let at = 0; at < todo.length; at++) {
      const placeholder = todo[at];
      // most placeholders are strings: none of the cases below applies to a primitive
      if (typeof placeholder !== 'object' || placeholder === null) continue;
      if (placeholder instanceof Node) {
        const children = placeholder.childNodes;
        for (let child = 0; child < children.length; child++) todo.push(children[child]);
      } else if (Array.isArray(placeholder)) {
        for (let child = 0; child < placeholder.length; child++) todo.push(placeholder[child]);
      }
      if (placeholder instanceof ConditionalOutput) {
        used.push(placeholder);
        const children = placeholder.declarationSiteCode.childNodes;
        for (let child = 0; child < children.length; child++) todo.push(children[child]);
      } else if (placeholder instanceof Import) imports.push(placeholder);
      else if (placeholder instanceof Def) defs.push(placeholder);
      else if (placeholder instanceof MaybeOutput && used.includes(placeholder.parent)) todo.push(placeholder.code);
    }
    return [used, imports, defs];
  };
}

/**
 * ts-proto-descriptors' index re-exports its modules through getters (TypeScript's `__exportStar`),
 * and ts-proto reads them (`FieldDescriptorProto_Type.TYPE_MESSAGE`, …) for every field: the same
 * values as plain properties, put in the module cache before ts-proto's modules load, took ~5 %
 * off its time at 16 × 8 × 32.
 */
function plainDescriptorExports(fromTsProto: NodeRequire): void {
  const id = fromTsProto.resolve('ts-proto-descriptors');
  const exports = fromTsProto('ts-proto-descriptors') as Record<string, unknown>;
  const plain: Record<string, unknown> = { ...exports };
  Object.defineProperty(plain, '__esModule', { value: true });
  const cached = fromTsProto.cache[id];
  if (cached !== undefined) cached.exports = plain;
}

/**
 * ts-proto's `maybeSnakeToCamel` (a regular expression, a split, a map and a join) runs for every
 * use of every field name, a few times per field: memoized per options object (its result
 * depends on the name and `options.snakeToCamel` only). Its callers reach it through the module's
 * exports, where it is replaced.
 */
function memoizeSnakeToCamel(fromTsProto: NodeRequire): void {
  const caseModule = fromTsProto('./build/src/case.js') as { maybeSnakeToCamel(key: string, options: object): string };
  const maybeSnakeToCamel = internal<(key: string, options: object) => string>('ts-proto build/src/case.js', caseModule as unknown as Record<string, unknown>, 'maybeSnakeToCamel');
  const byOptions = new WeakMap<object, Map<string, string>>();
  caseModule.maybeSnakeToCamel = (key, options) => {
    let known = byOptions.get(options);
    if (known === undefined) byOptions.set(options, (known = new Map()));
    let name = known.get(key);
    if (name === undefined) known.set(key, (name = maybeSnakeToCamel(key, options)));
    return name;
  };
}

function load(): TsProtoInternals {
  if (loaded !== undefined) return loaded;
  const fromHere = createRequire(import.meta.url);
  const root = path.dirname(fromHere.resolve('ts-proto/package.json'));
  const fromTsProto = createRequire(path.join(root, 'package.json'));
  const version = requirePinnedVersion('ts-proto', fromTsProto, TS_PROTO_VERSION);
  plainDescriptorExports(fromTsProto);
  memoizeSnakeToCamel(fromTsProto);
  const sourceInfo = fromTsProto('./build/src/sourceInfo.js') as { default: SourceInfoClass };
  patchSourceInfo(sourceInfo.default);
  patchTsPoet(createRequire(fromTsProto.resolve('ts-poet/package.json')));
  loaded = {
    version,
    descriptors: fromTsProto('ts-proto-descriptors') as TsProtoInternals['descriptors'],
    options: fromTsProto('./build/src/options.js') as TsProtoInternals['options'],
    types: fromTsProto('./build/src/types.js') as TsProtoInternals['types'],
    main: fromTsProto('./build/src/main.js') as TsProtoInternals['main'],
    context: fromTsProto('./build/src/context.js') as TsProtoInternals['context'],
  };
  return loaded;
}

/** Loads ts-proto's modules (~80 ms), e.g. while buf runs; throws if the installed version is not the one driven here. */
export function loadTsProto(): void {
  load();
}

/** Reads a varint at `at`: [value, next offset]. Values here are small (tags, lengths < 2^31). */
function varint(bytes: Uint8Array, at: number): [number, number] {
  let value = 0;
  let shift = 0;
  for (;;) {
    if (at >= bytes.length) throw new Error('truncated buf image');
    const byte = bytes[at++]!;
    value += (byte & 0x7f) * 2 ** shift;
    if (byte < 0x80) return [value, at];
    shift += 7;
  }
}

/** The fields of one message: [field number, wire type, value start, value end, tag start] (for length-delimited and varint fields). */
function* fields(bytes: Uint8Array): Generator<[number, number, number, number, number]> {
  let at = 0;
  while (at < bytes.length) {
    const [tag, afterTag] = varint(bytes, at);
    const field = Math.floor(tag / 8);
    const wireType = tag & 7;
    if (wireType === 0) {
      const [, next] = varint(bytes, afterTag);
      yield [field, wireType, afterTag, next, at];
      at = next;
    } else if (wireType === 2) {
      const [length, start] = varint(bytes, afterTag);
      yield [field, wireType, start, start + length, at];
      at = start + length;
    } else if (wireType === 1) at = afterTag + 8;
    else if (wireType === 5) at = afterTag + 4;
    else throw new Error(`unexpected wire type ${wireType} in buf image`);
  }
}

function lengthDelimited(field: number, chunks: readonly Uint8Array[]): Uint8Array[] {
  const length = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
  const prefix: number[] = [];
  for (let value = field * 8 + 2; ; value = Math.floor(value / 128)) {
    if (value < 128) {
      prefix.push(value);
      break;
    }
    prefix.push((value % 128) | 128);
  }
  for (let value = length; ; value = Math.floor(value / 128)) {
    if (value < 128) {
      prefix.push(value);
      break;
    }
    prefix.push((value % 128) | 128);
  }
  return [Uint8Array.from(prefix), ...chunks];
}

const SOURCE_CODE_INFO = 9; // FileDescriptorProto.source_code_info
const LOCATION = 1; // SourceCodeInfo.location
const LEADING_COMMENTS = 3; // SourceCodeInfo.Location.leading_comments
const TRAILING_COMMENTS = 4; // SourceCodeInfo.Location.trailing_comments
const IMAGE_FILE_EXTENSION = 8042; // buf's ImageFile.buf_extension { bool is_import = 1 }

/**
 * A FileDescriptorProto's bytes with only the source locations that carry a leading or trailing
 * comment, all ts-proto reads of them: five in six locations are spans of names, types and
 * numbers, and decoding and indexing them was a fifth of the time.
 */
function withCommentLocationsOnly(file: Uint8Array): Uint8Array {
  const chunks: Uint8Array[] = [];
  let copied = 0;
  for (const [field, wireType, start, end, tagStart] of fields(file)) {
    if (field !== SOURCE_CODE_INFO || wireType !== 2) continue;
    const info = file.subarray(start, end);
    const kept: Uint8Array[] = [];
    for (const [infoField, infoWire, locationStart, locationEnd, locationTag] of fields(info)) {
      if (infoField !== LOCATION || infoWire !== 2) {
        kept.push(info.subarray(locationTag, locationEnd));
        continue;
      }
      for (const [locationField, locationWire, valueStart, valueEnd] of fields(info.subarray(locationStart, locationEnd))) {
        if ((locationField === LEADING_COMMENTS || locationField === TRAILING_COMMENTS) && locationWire === 2 && valueEnd > valueStart) {
          kept.push(info.subarray(locationTag, locationEnd));
          break;
        }
      }
    }
    chunks.push(file.subarray(copied, tagStart), ...lengthDelimited(SOURCE_CODE_INFO, kept));
    copied = end;
  }
  if (copied === 0) return file;
  chunks.push(file.subarray(copied));
  return Buffer.concat(chunks);
}

/**
 * A buf image (`buf build -o -`: `Image { repeated ImageFile file = 1 }`, an ImageFile being a
 * FileDescriptorProto with buf's extension 8042 `{ bool is_import = 1 }`) → the bytes of its
 * files in order (only their commented source locations kept), each marked whether it is only an
 * import (the well-known types).
 */
export function imageFileBytes(image: Uint8Array): { bytes: Uint8Array; isImport: boolean }[] {
  const files: { bytes: Uint8Array; isImport: boolean }[] = [];
  for (const [field, wireType, start, end] of fields(image)) {
    if (field !== 1 || wireType !== 2) continue;
    const bytes = image.subarray(start, end);
    let isImport = false;
    for (const [inner, innerWire, innerStart, innerEnd] of fields(bytes)) {
      if (inner !== IMAGE_FILE_EXTENSION || innerWire !== 2) continue;
      for (const [extension, extensionWire, valueStart] of fields(bytes.subarray(innerStart, innerEnd))) {
        if (extension === 1 && extensionWire === 0) isImport = bytes[innerStart + valueStart] !== 0;
      }
    }
    files.push({ bytes: withCommentLocationsOnly(bytes), isImport });
  }
  return files;
}

/** A FileDescriptorProto's bytes decoded as ts-proto's plugin decodes them. */
export function decodeFileDescriptor(bytes: Uint8Array): FileDescriptor {
  return load().descriptors.FileDescriptorProto.decode(bytes);
}

/**
 * Generates the TypeScript of a buf image's files with ts-proto, `parameter` being the plugin's
 * option string (`a=b,c=d`), as `buf generate` would with the protoc-gen-ts_proto plugin
 * (compiler version unknown, as buf reports it), formatting aside.
 */
export function generateTsProto(image: Uint8Array, parameter: string): TsProtoFile[] {
  return generateFromDescriptors(
    imageFileBytes(image).map(({ bytes, isImport }) => ({ file: decodeFileDescriptor(bytes), isImport })),
    parameter,
  );
}

/**
 * Generates the TypeScript of `file`, a descriptor as `buf build` would compile it
 * (proto-descriptor.ts), and of the well-known files it imports (their descriptors as buf
 * compiled them, well-known-protos.ts): what {@link generateTsProto} makes of buf's image of the
 * same protos, without the image.
 */
export function generateTsProtoOf(file: FileDescriptor, parameter: string): TsProtoFile[] {
  const imports = file.dependency.map((name) => {
    const bytes = WELL_KNOWN_PROTOS[name];
    if (bytes === undefined) throw new Error(`${file.name} imports ${name}, not a well-known file compiled in (${Object.keys(WELL_KNOWN_PROTOS).join(', ')})`);
    return { file: decodeFileDescriptor(Buffer.from(bytes, 'base64')), isImport: true };
  });
  return generateFromDescriptors([...imports, { file, isImport: false }], parameter);
}

function generateFromDescriptors(all: readonly { file: FileDescriptor; isImport: boolean }[], parameter: string): TsProtoFile[] {
  const tsProto = load();
  const request = {
    fileToGenerate: all.filter((entry) => !entry.isImport).map((entry) => entry.file.name),
    parameter,
    protoFile: all.map((entry) => entry.file),
    compilerVersion: undefined,
    sourceFileDescriptors: [],
  };
  const options = tsProto.options.optionsFromParameter(parameter);
  if (options.outputTypeRegistry || options.outputIndex) throw new Error('ts-proto options outputTypeRegistry and outputIndex are not supported in process');
  const ctx = { typeMap: tsProto.types.createTypeMap(request, options), options, utils: tsProto.main.makeUtils(options) };
  let filesToGenerate: FileDescriptor[];
  if (options.emitImportedFiles) {
    const names = new Set<string>();
    const add = (list: readonly string[]): void => {
      for (const name of list) {
        if (options.M[name] || names.has(name)) continue;
        names.add(name);
        const file = request.protoFile.find((candidate) => candidate.name === name);
        if (file !== undefined && file.dependency.length > 0) add(file.dependency);
      }
    };
    add(request.fileToGenerate);
    filesToGenerate = request.protoFile.filter((file) => names.has(file.name));
  } else {
    filesToGenerate = request.protoFile.filter((file) => request.fileToGenerate.includes(file.name) && !options.M[file.name]);
  }
  const tsProtoVersion = `v${tsProto.version}`;
  return filesToGenerate.map((file) => {
    const [name, code] = tsProto.main.generateFile({ ...ctx, currentFile: tsProto.context.createFileContext(file) }, file);
    const poet = tsProto.options.getTsPoetOpts(options, tsProtoVersion, 'unknown', file.name);
    // forceDefaultImport/forceModuleImport only rewrite imports of protobufjs/minimal, which ts-proto 2
    // never imports (its runtime is @bufbuild/protobuf/wire); without them ts-poet skips a walk of the tree
    const content = code.toString({ ...poet, forceDefaultImport: undefined, forceModuleImport: undefined, path: name, format: false });
    return { name, content: reindent(content) };
  });
}
