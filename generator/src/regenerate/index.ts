/** `create-gateway regenerate`: re-introspect, diff, type-check the user's code, reconcile. */
export { regenerateProject, type RegenerateOptions, type RegenerateReport } from './regenerate-project.js';
export { formatRegenerateReport } from './format-report.js';
export { requestFromSources } from './recorded-request.js';
export { formatTypeErrors, type GeneratedContent, type TypeCheckReport, type TypeError, typeCheckWithGenerated } from './type-check.js';
