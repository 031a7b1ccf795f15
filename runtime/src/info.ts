/**
 * What `_status` (gRPC) and `GET /status` (HTTP) report: Jina's shape (`jina` and `envs` maps)
 * with our own versions under our own names, and the JINA_* environment Jina lists.
 */
import os from 'node:os';
import { randomUUID } from 'node:crypto';
import { RUNTIME_VERSION } from './version.js';
import { JINA_PROTO_VERSION } from './wire/jina-proto-version.js';

/** jina/constants.py::__jina_env__ */
export const JINA_ENV_NAMES = [
  'JINA_DEFAULT_HOST',
  'JINA_DEFAULT_TIMEOUT_CTRL',
  'JINA_DEPLOYMENT_NAME',
  'JINA_DISABLE_UVLOOP',
  'JINA_EARLY_STOP',
  'JINA_FULL_CLI',
  'JINA_GATEWAY_IMAGE',
  'JINA_GRPC_RECV_BYTES',
  'JINA_GRPC_SEND_BYTES',
  'JINA_HUB_NO_IMAGE_REBUILD',
  'JINA_LOG_CONFIG',
  'JINA_LOG_LEVEL',
  'JINA_LOG_NO_COLOR',
  'JINA_MP_START_METHOD',
  'JINA_OPTOUT_TELEMETRY',
  'JINA_RANDOM_PORT_MAX',
  'JINA_RANDOM_PORT_MIN',
  'JINA_LOCKS_ROOT',
  'JINA_K8S_ACCESS_MODES',
  'JINA_K8S_STORAGE_CLASS_NAME',
  'JINA_K8S_STORAGE_CAPACITY',
  'JINA_STREAMER_ARGS',
] as const;

const SESSION_ID = randomUUID();
const STARTED_AT = Date.now();

export interface RuntimeInfo {
  jina: Record<string, string>;
  envs: Record<string, string>;
}

export function runtimeInfo(): RuntimeInfo {
  const envs: Record<string, string> = {};
  for (const name of JINA_ENV_NAMES) envs[name] = process.env[name] ?? '(unset)';
  return {
    jina: {
      'jina-ts-runtime': RUNTIME_VERSION,
      'jina-proto': JINA_PROTO_VERSION,
      node: process.version,
      platform: os.platform(),
      'platform-release': os.release(),
      'platform-version': os.version(),
      architecture: os.arch(),
      processor: os.cpus()[0]?.model ?? 'unknown',
      'session-id': SESSION_ID,
      uptime: new Date(STARTED_AT).toISOString(),
      'ci-vendor': process.env.CI ? 'unknown-ci' : '(unset)',
    },
    envs,
  };
}
