/**
 * Which of a project's files regenerate type-checks against the new consumer SDK: the ones that
 * import it by its package name (or a subpath) or by a relative path into client/, wherever they
 * are, and nothing under node_modules, dist, client/ or src/gen/, nor packages whose names only
 * start alike.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findSdkConsumers } from './sdk-consumers.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function project(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'sdk-consumers-'));
  dirs.push(dir);
  for (const [file, content] of Object.entries(files)) {
    mkdirSync(path.join(dir, path.dirname(file)), { recursive: true });
    writeFileSync(path.join(dir, file), content);
  }
  return dir;
}

describe('findSdkConsumers', () => {
  it('finds imports of the SDK by name, subpath, dynamic import, require or relative path, and only those', () => {
    const dir = project({
      'consumer/by-name.ts': "import { createClient } from 'my-gw-client';\n",
      'consumer/grpc.mts': "import * as grpc from \"my-gw-client/grpc\";\n",
      'scripts/dynamic.ts': "const sdk = await import('my-gw-client');\n",
      'scripts/required.cts': "const sdk = require('my-gw-client');\n",
      'src/uses-sources.ts': "export type { GatewayEndpoints } from '../client/src/index.js';\n",
      'src/gateway.ts': "import { registerRoutes } from './gen/routes.js';\n",
      'src/other-package.ts': "import x from 'my-gw-client-extra';\nimport y from '../clientele/x.js';\n",
      'src/types.d.ts': "import 'my-gw-client';\n",
      'src/gen/index.ts': "import 'my-gw-client';\n",
      'client/src/index.ts': "import './http.js'; import 'my-gw-client';\n",
      'node_modules/dep/index.ts': "import 'my-gw-client';\n",
      'dist/built.ts': "import 'my-gw-client';\n",
      '.cache/x.ts': "import 'my-gw-client';\n",
      'notes.md': "import 'my-gw-client';\n",
    });
    expect(findSdkConsumers(dir, 'my-gw-client')).toEqual(['consumer/by-name.ts', 'consumer/grpc.mts', 'scripts/dynamic.ts', 'scripts/required.cts', 'src/uses-sources.ts']);
  });

  it('takes a scoped package name as it is', () => {
    const dir = project({ 'app.ts': "import { createClient } from '@team/gw-client';\n", 'other.ts': "import '@team/gw';\n" });
    expect(findSdkConsumers(dir, '@team/gw-client')).toEqual(['app.ts']);
  });
});
