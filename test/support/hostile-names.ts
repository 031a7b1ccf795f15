/**
 * Names an executor might send to break out of whatever file they land in: random strings, and
 * strings made of the fragments that end a string, a comment, a line or a block in TypeScript,
 * JSON, YAML, Markdown, shells, Dockerfiles and handlebars, with payloads that would print
 * {@link INJECTION_MARKER} if they ever ran. Shared by the escapers' unit tests and the
 * end-to-end property test of create-gateway.
 */
import fc from 'fast-check';

/** What an executed payload prints; the payloads spell it in two halves, so only running them prints it whole. */
export const INJECTION_MARKER = 'INJECTED';

export const BREAKOUT_FRAGMENTS: readonly string[] = [
  "'", '"', '`', '${', '}', '*/', '/*', '//', '\n', '\r\n', '\u2028', '\u2029', '\u0000', '\u0085', '\u001b[31m', '\\', '\\u0041',
  '{{', '}}', '#', '|', '<!--', '</script>', '$(', ';', '&&', '-->', ': ', '- ', '---', '```', '%', '&', '<', '>', '\t', '\u202e',
  ':id', '*', '?', '__proto__', 'constructor', '日本', 'ünï', '👩‍💻',
  '"); console.log("INJ" + "ECTED"); ("', "'); console.log('INJ' + 'ECTED'); ('", '`); console.log(`INJ` + `ECTED`); (`',
  '${console.log("INJ" + "ECTED")}', '*/ console.log("INJ" + "ECTED"); /*', '\nconsole.log("INJ" + "ECTED");\n', '$(echo INJ""ECTED)',
];

/** Any string, weighted towards the fragments. */
export function hostileName(maxParts = 8): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
    { weight: 3, arbitrary: fc.array(fc.oneof(fc.constantFrom(...BREAKOUT_FRAGMENTS), fc.string({ maxLength: 6 })), { minLength: 1, maxLength: maxParts }).map((parts) => parts.join('')) },
  );
}

/** How many cases a property runs: FUZZ_RUNS when set (`make fuzz`), else `fallback`. */
export function fuzzRuns(fallback: number): number {
  const runs = Number(process.env.FUZZ_RUNS);
  return Number.isSafeInteger(runs) && runs > 0 ? runs : fallback;
}

/**
 * The seed of a property run: FUZZ_SEED when set (a failure prints the seed to replay), else a
 * fixed one, so that `make test` runs the same cases on every machine and CI is not a lottery;
 * FUZZ_SEED=random explores.
 */
export function fuzzSeed(): number | undefined {
  const given = process.env.FUZZ_SEED;
  if (given === 'random') {
    // drawn here rather than by fast-check, and printed: a run that hangs reports no seed of its own
    if (randomSeed === undefined) {
      randomSeed = Math.floor(Math.random() * 2 ** 31);
      process.stderr.write(`FUZZ_SEED=${randomSeed} replays this run\n`);
    }
    return randomSeed;
  }
  const seed = Number(given);
  return given !== undefined && Number.isSafeInteger(seed) ? seed : 20261205;
}

let randomSeed: number | undefined;
