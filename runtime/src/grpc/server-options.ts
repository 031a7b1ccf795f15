import { ServerCredentials, type ServerOptions } from '@grpc/grpc-js';
import { readFileSync } from 'node:fs';
import { JINA_DEFAULT_GRPC_OPTIONS } from '../executor/grpc-options.js';


/** Jina's default server options merged with the user's (--grpc-server-options). */
export function serverOptions(user: ServerOptions = {}): ServerOptions {
  return { ...JINA_DEFAULT_GRPC_OPTIONS, ...user };
}

/** TLS from a certificate and key file (Jina's --ssl-certfile / --ssl-keyfile), else insecure. */
export function serverCredentials(tls?: { certFile: string; keyFile: string }): ServerCredentials {
  if (!tls) return ServerCredentials.createInsecure();
  return ServerCredentials.createSsl(null, [
    { cert_chain: readFileSync(tls.certFile), private_key: readFileSync(tls.keyFile) },
  ]);
}
