/** The regenerate report for a person: schema changes by executor and endpoint, files, broken call sites. */
import { formatSchemaChanges } from '../diff/schema-diff.js';
import type { RegenerateReport } from './regenerate-project.js';
import { formatTypeErrors } from './type-errors.js';

export function formatRegenerateReport(report: RegenerateReport): string {
  const lines = ['schema changes (BREAKING: breaks clients of the gateway; breaks code: your code may not compile):', indent(formatSchemaChanges(report.changes))];
  const { created, updated, deleted, unchanged } = report.files;
  const verb = report.written ? '' : ' (would be)';
  lines.push(`generated files${verb}: ${created.length} created, ${updated.length} updated, ${deleted.length} deleted, ${unchanged} unchanged`);
  const { sdk } = report;
  if (sdk.files.length > 0) {
    lines.push(`consumer SDK ${sdk.name}@${sdk.version} (client/): ${sdk.files.length} file(s) changed${verb}: rebuild it (npm run build in client/) and publish it with the contract (create-gateway openapi)`, indent(sdk.files.join('\n')));
  }
  if ('skipped' in report.typeCheck) lines.push(`your code was not type-checked: ${report.typeCheck.skipped}`);
  else if (report.typeCheck.userErrors.length === 0) lines.push('your code compiles against the new generated types');
  else {
    lines.push(`${report.typeCheck.userErrors.length} place(s) in your code no longer compile:`, indent(formatTypeErrors(report.typeCheck.userErrors)));
  }
  if (!('skipped' in report.typeCheck) && report.typeCheck.generatedErrors.length > 0) {
    lines.push(`errors inside generated files (a generator bug, please report it):`, indent(formatTypeErrors(report.typeCheck.generatedErrors)));
  }
  return `${lines.join('\n')}\n`;
}

function indent(text: string): string {
  return text.split('\n').map((line) => `  ${line}`).join('\n');
}
