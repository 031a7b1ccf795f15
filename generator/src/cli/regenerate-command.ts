/**
 * `create-gateway regenerate [--project dir] [sources] [--check] [--json] [--no-type-check]`: the
 * regenerate report for a person (stderr progress, stdout report) or as JSON, and its exit code:
 * 1 when `--check` finds stale generated files or a breaking schema change, or when the user's
 * code no longer compiles against the (written) generated types; 0 otherwise.
 */
import { formatRegenerateReport } from '../regenerate/format-report.js';
import { regenerateProject, type RegenerateOptions, type RegenerateReport } from '../regenerate/regenerate-project.js';
import { ok, type Result } from '../reconcile/outcome.js';
import type { Reporter } from './reporter.js';

export interface RegenerateVerdict {
  readonly report: RegenerateReport;
  /** Why the exit code is 1 although the command ran; undefined: 0. */
  readonly failure: string | undefined;
}

export async function runRegenerate(options: RegenerateOptions & { readonly json?: boolean }, reporter: Reporter, stdout: NodeJS.WritableStream): Promise<Result<RegenerateVerdict>> {
  const result = await regenerateProject(options, reporter);
  if (!result.ok) return result;
  const report = result.value;
  stdout.write(options.json === true ? `${JSON.stringify(report, null, 2)}\n` : formatRegenerateReport(report));
  return ok({ report, failure: verdict(report, options.check ?? false) });
}

function verdict(report: RegenerateReport, check: boolean): string | undefined {
  const reasons: string[] = [];
  if (check && report.stale) reasons.push('the generated files are stale (run create-gateway regenerate)');
  if (check && (report.breaksClients || report.breaksCode)) reasons.push('the schemas changed in a breaking way');
  if (!('skipped' in report.typeCheck) && report.typeCheck.userErrors.length > 0) {
    reasons.push(`${report.typeCheck.userErrors.length} place(s) in your code do not compile against the ${check ? 'new' : 'regenerated'} types`);
  }
  return reasons.length === 0 ? undefined : reasons.join('; ');
}
