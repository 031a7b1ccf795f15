/**
 * Kubernetes object names: DNS-1123 labels (RFC 1123: lowercase alphanumerics and '-', starting
 * and ending alphanumeric, at most 63 characters). Names come from package.json and flags, so they
 * are validated here and refused with the bad value named, never passed through.
 */
import { fail, ok, type Result } from '../reconcile/outcome.js';

const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export const DNS_1123_LABEL_MAX = 63;

export function checkDnsLabel(value: string, what: string): Result<string> {
  if (value.length > DNS_1123_LABEL_MAX) return fail(`${what} ${JSON.stringify(value)}: not a Kubernetes name (DNS-1123 label): longer than ${DNS_1123_LABEL_MAX} characters`);
  if (!DNS_1123_LABEL.test(value)) return fail(`${what} ${JSON.stringify(value)}: not a Kubernetes name (DNS-1123 label): lowercase letters, digits and '-' only, starting and ending with a letter or digit`);
  return ok(value);
}

/** An npm package name as a label: the scope dropped, `.`, `_` and `~` (allowed by npm) as '-'. */
export function dnsLabelFromPackageName(packageName: string): Result<string> {
  const bare = packageName.replace(/^@[^/]*\//, '').replace(/[._~]/g, '-');
  const checked = checkDnsLabel(bare, 'name derived from package.json');
  if (!checked.ok) return fail(`package.json name ${JSON.stringify(packageName)} gives no Kubernetes name (${checked.error.message}); pass --name`);
  return checked;
}
