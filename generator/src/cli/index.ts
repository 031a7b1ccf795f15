/** The command line: each command a function returning a Result; run-cli.ts maps them to exit codes. */
export { EXIT_FAILED, EXIT_OK, EXIT_USAGE, runCli, type CliIo } from './run-cli.js';
export { generateProject, SCHEMA_SNAPSHOT_FILE, type GenerateProjectOptions, type GenerateProjectSummary } from './generate-project.js';
export { runIntrospect, type IntrospectCommandOptions } from './introspect-command.js';
export { checkProtos } from './check-protos.js';
export { loadGeneratorCore, type GeneratedFile, type GeneratorCore } from './generator-core.js';
export { silentReporter, streamReporter, type Reporter } from './reporter.js';
export { runRegenerate, type RegenerateVerdict } from './regenerate-command.js';
export { runOpenApi, type OpenApiCommandOptions, type OpenApiCommandReport } from './openapi-command.js';
export { generatedFiles, type OpenApiInfo } from './generated-files.js';
