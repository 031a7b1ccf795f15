/**
 * The `create-gateway` command line (commander). Commands return Results; this maps them to exit
 * codes: 0 done, 1 failed (the message says why, nothing was written), 2 wrong usage.
 *
 *     create-gateway <dir> (--executor name=grpc://h:p ... | --flow flow.yml | --schemas file.json
 *                           | --graph-description json --deployments-addresses json)
 *                          [--dry-run] [--force] [--runtime pack|link] [--title t] [--description d] [--class-name C]
 *     create-gateway introspect [-o schemas.json] (same sources)
 *     create-gateway regenerate [--project dir] [same sources, default: gateway.lock.json's] [--check] [--json] [--no-type-check]
 *     create-gateway openapi -o out.json|out.yaml [--previous file|git-ref] [--allow-breaking] [--check]
 *                            [--proto-out out.proto [--previous-proto file|git-ref]] [--json] [--project dir]
 *     create-gateway k8s -o dir [--project dir] [--image ref] [--name label] [--namespace ns] [--grpc-port n] [--force]
 */
import { Command, CommanderError } from 'commander';
import type { Result } from '../reconcile/outcome.js';
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
  // `failure`: the command ran (and may have written) but its verdict is exit code 1
  let outcome: { result: Result<unknown>; usage: boolean; failure?: string | undefined } | undefined;
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
    // each command loads its modules when it runs: start-up stays small for the others
    const { generateProject } = await import('./generate-project.js');
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
    const { runIntrospect } = await import('./introspect-command.js');
    const result = await runIntrospect({ request: request.value, output: options.output, timeoutMs: timeoutMs.value }, streamReporter(io.stderr, options.quiet ?? false), io.stdout);
    outcome = { result, usage: false };
  });
  program.addCommand(introspectCommand);

  const regenerateCommand = new Command('regenerate')
    .description('bring a generated project up to date with its executors: schema diff, your broken call sites, reconcile')
    .exitOverride()
    .option('--project <dir>', 'the generated project (default: the working directory)', '.')
    .option('--check', 'write nothing; exit 1 when the generated files are stale or the schemas changed in a breaking way')
    .option('--json', 'print the report as JSON')
    .option('--no-type-check', "do not type-check your code against the new generated types")
    .option('--full', 'generate even when the schemas and the generated files are unchanged (after upgrading create-gateway)')
    .option('-q, --quiet', 'print only errors and the report');
  addSourceOptions(regenerateCommand).action(async (options: SourceOptions & { project: string; check?: boolean; json?: boolean; typeCheck: boolean; full?: boolean; quiet?: boolean }) => {
    const given = [options.executor?.length ? 1 : 0, options.flow, options.schemas, options.graphDescription ?? options.deploymentsAddresses].some((value) => value !== undefined && value !== 0);
    const request = given ? requestFrom(options) : undefined;
    if (request !== undefined && !request.ok) return usageError(request.error.message);
    const timeoutMs = timeoutFrom(options);
    if (!timeoutMs.ok) return usageError(timeoutMs.error.message);
    const { runRegenerate } = await import('./regenerate-command.js');
    const result = await runRegenerate(
      { projectDir: options.project, request: request?.value, check: options.check ?? false, json: options.json ?? false, typeCheck: options.typeCheck, full: options.full ?? false, timeoutMs: timeoutMs.value },
      streamReporter(io.stderr, (options.quiet ?? false) || (options.json ?? false)),
      io.stdout,
    );
    outcome = { result, usage: false, failure: result.ok ? result.value.failure : undefined };
  });
  program.addCommand(regenerateCommand);

  const openapiCommand = new Command('openapi')
    .description("publish the project's openapi.json (and protos/gateway.proto) with a semver version, refusing breaking changes")
    .exitOverride()
    .requiredOption('-o, --out <file>', 'where to publish: .json, or .yaml/.yml for YAML')
    .option('--previous <file|git-ref>', 'the last published spec: diff, classes and version bump against it')
    .option('--proto-out <file>', 'also publish protos/gateway.proto there')
    .option('--previous-proto <file|git-ref>', 'the last published .proto, for buf breaking (default: --previous when it is a git ref)')
    .option('--allow-breaking', 'publish even a breaking change (with a major version bump)')
    .option('--check', 'write nothing; exit 1 on a breaking change')
    .option('--json', 'print the report as JSON')
    .option('--project <dir>', 'the generated project (default: the working directory)', '.')
    .option('-q, --quiet', 'print only errors and the report');
  openapiCommand.action(async (options: { out: string; previous?: string; protoOut?: string; previousProto?: string; allowBreaking?: boolean; check?: boolean; json?: boolean; project: string; quiet?: boolean }) => {
    const { runOpenApi } = await import('./openapi-command.js');
    const result = await runOpenApi(
      {
        projectDir: options.project,
        out: options.out,
        previous: options.previous,
        protoOut: options.protoOut,
        previousProto: options.previousProto,
        allowBreaking: options.allowBreaking ?? false,
        check: options.check ?? false,
        json: options.json ?? false,
      },
      streamReporter(io.stderr, (options.quiet ?? false) || (options.json ?? false)),
      io.stdout,
    );
    outcome = { result, usage: false };
  });
  program.addCommand(openapiCommand);

  const k8sCommand = new Command('k8s')
    .description("write Kubernetes manifests (kubernetes.yml) and a docker-compose.yml for the project's image")
    .exitOverride()
    .requiredOption('-o, --out <dir>', 'the directory to write into (new or empty, or any with --force)')
    .option('--project <dir>', 'the generated project (default: the working directory)', '.')
    .option('--image <ref>', 'the image (default: <name>:<package.json version>)')
    .option('--name <label>', 'the Kubernetes name, a DNS-1123 label (default: from package.json name)')
    .option('--namespace <ns>', 'the Kubernetes namespace (default: none, kubectl -n decides)')
    .option('--grpc-port <port>', "the gRPC port (default: config.yml's port + 1, as the Dockerfile)")
    .option('--force', 'write into a non-empty directory (replacing the two files)')
    .option('-q, --quiet', 'print only errors');
  k8sCommand.action(async (options: { out: string; project: string; image?: string; name?: string; namespace?: string; grpcPort?: string; force?: boolean; quiet?: boolean }) => {
    const { runK8s } = await import('./k8s-command.js');
    const result = await runK8s(
      { projectDir: options.project, outDir: options.out, image: options.image, name: options.name, namespace: options.namespace, grpcPort: options.grpcPort, force: options.force ?? false },
      streamReporter(io.stderr, options.quiet ?? false),
    );
    outcome = { result, usage: false };
  });
  program.addCommand(k8sCommand);

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
  if (outcome.result.ok && outcome.failure !== undefined) {
    io.stderr.write(`create-gateway: ${outcome.failure}\n`);
    return EXIT_FAILED;
  }
  if (outcome.result.ok) return EXIT_OK;
  io.stderr.write(`create-gateway: error: ${outcome.result.error.message}\n`);
  if (!outcome.usage) io.stderr.write('create-gateway: nothing was written\n');
  return outcome.usage ? EXIT_USAGE : EXIT_FAILED;
}
