/** A self-signed certificate for 127.0.0.1 and localhost, made by openssl for one test. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface TestCertificate {
  /** The directory holding both files (remove it when done). */
  readonly dir: string;
  readonly certFile: string;
  readonly keyFile: string;
}

export function makeTestCertificate(prefix: string): TestCertificate {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  const certFile = path.join(dir, 'cert.pem');
  const keyFile = path.join(dir, 'key.pem');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
    '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', keyFile, '-out', certFile,
  ], { stdio: 'ignore' });
  return { dir, certFile, keyFile };
}
