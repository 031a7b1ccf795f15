// `node --import ./record-packages.mjs ...`: records the npm packages the process resolves, as
// globalThis.resolvedPackages (a Set of names), for tests that check what is loaded lazily.
import { registerHooks } from 'node:module';

const resolvedPackages = new Set();
globalThis.resolvedPackages = resolvedPackages;
registerHooks({
  resolve(specifier, context, next) {
    const resolved = next(specifier, context);
    const match = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(resolved.url);
    if (match) resolvedPackages.add(match[1]);
    return resolved;
  },
});
