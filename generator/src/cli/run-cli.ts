/**
 * The `create-gateway` command line (commander). Commands return Results; this maps them to exit
 * codes: 0 done, 1 failed (the message says why, nothing was written), 2 wrong usage.
 *
 *     create-gateway <dir> (--executor name=grpc://h:p ... | --flow flow.yml | --schemas file.json
 *                           | --graph-description json --deployments-addresses json)
 *                          [--dry-run] [--force] [--runtime pack|link] [--title t] [--description d] [--class-name C]
 *     create-gateway introspect [-o schemas.json] (same sources)
 */
import { Command, CommanderError } from 'commander';
import type { Result } from '../reconcile/outcome.js';
import { generateProject } from './generate-project.js';
import { runIntrospect } from './introspect-command.js';
import { streamReporter } from './reporter.js';
import { addSourceOptions, requestFrom, type SourceOptions, timeoutFrom } from './request-options.js';

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

export interface CliIo {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
}

interface GenerateOptions extends SourceOptions {
  dryRun?: boolean;
  force?: boolean;
  runtime?: string;
  title?: string;
  description?: string;
  className?: string;
  quiet?: boolean;
}

export async function runCli(argv: readonly string[], io: CliIo = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  let outcome: { result: Result<unknown>; usage: boolean } | undefined;
  const usageError = (message: string) => {
    outcome = { result: { ok: false, error: { message } }, usage: true };
  };

  const program = new Command('create-gateway')
    .description('Generate a typed TypeScript gateway project for Jina Executors from their endpoint schemas')
    // the subcommand has source options of the same names: they must not be taken by the program
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({ writeOut: (text) => io.stdout.write(text), writeErr: (text) => io.stderr.write(text) })
    .argument('<dir>', 'the project directory (new or empty, or any with --force)')
    .option('--dry-run', 'print what would be written; write nothing')
    .option('--force', 'generate into a non-empty directory (generated files replaced, write-once files kept)')
    .option('--runtime <mode>', 'how the project depends on @jina-ts/runtime: pack (vendored tarball, default) or link (file: path)', 'pack')
    .option('--title <title>', 'OpenAPI title')
    .option('--description <text>', 'OpenAPI and package description')
    .option('--class-name <Name>', 'the gateway class name (default: from the directory name)')
    .option('-q, --quiet', 'print only errors');
  addSourceOptions(program).action(async (dir: string, options: GenerateOptions) => {
    const request = requestFrom(options);
    if (!request.ok) return usageError(request.error.message);
    const timeoutMs = timeoutFrom(options);
    if (!timeoutMs.ok) return usageError(timeoutMs.error.message);
    if (options.runtime !== 'pack' && options.runtime !== 'link') return usageError(`--runtime ${options.runtime}: expected pack or link`);
    if (options.className !== undefined && !/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(options.className)) return usageError(`--class-name ${options.className}: not a class name`);
    const reporter = streamReporter(io.stderr, options.quiet ?? false);
    const result = await generateProject(
      {
        projectDir: dir,
        request: request.value,
        dryRun: options.dryRun ?? false,
        force: options.force ?? false,
        runtime: options.runtime,
        title: options.title,
        description: options.description,
        className: options.className,
        timeoutMs: timeoutMs.value,
      },
      reporter,
    );
    if (result.ok) reporter.step(options.dryRun ? 'dry run: nothing written' : `done: cd ${dir} && npm install && npm test`);
    outcome = { result, usage: false };
  });

  const introspectCommand = new Command('introspect')
    .description("write the executors' schemas to a saved schema file (for --schemas)")
    .exitOverride()
    .option('-o, --output <file>', 'the file to write (default: stdout)')
    .option('-q, --quiet', 'print only errors');
  addSourceOptions(introspectCommand).action(async (options: SourceOptions & { output?: string; quiet?: boolean }) => {
    const request = requestFrom(options);
    if (!request.ok) return usageError(request.error.message);
    const timeoutMs = timeoutFrom(options);
    if (!timeoutMs.ok) return usageError(timeoutMs.error.message);
    const result = await runIntrospect({ request: request.value, output: options.output, timeoutMs: timeoutMs.value }, streamReporter(io.stderr, options.quiet ?? false), io.stdout);
    outcome = { result, usage: false };
  });
  program.addCommand(introspectCommand);

  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here too, with exit code 0
      return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    io.stderr.write(`create-gateway: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return EXIT_FAILED;
  }
  if (outcome === undefined) return EXIT_USAGE;
  if (outcome.result.ok) return EXIT_OK;
  io.stderr.write(`create-gateway: error: ${outcome.result.error.message}\n`);
  if (!outcome.usage) io.stderr.write('create-gateway: nothing was written\n');
  return outcome.usage ? EXIT_USAGE : EXIT_FAILED;
}
