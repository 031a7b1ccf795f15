/**
 * The client metadata the request being handled forwards to executors (`--forward-metadata`, see
 * protocols/client-metadata.ts): an AsyncLocalStorage the protocol fronts enter per request and
 * the deployment client reads per call. Here, below the fronts, so that the executor layer does
 * not depend on them.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

const store = new AsyncLocalStorage<Readonly<Record<string, string>>>();

/** Runs `fn` with `metadata` sent by every executor call it makes. */
export function runForwarding<T>(metadata: Readonly<Record<string, string>>, fn: () => T): T {
  return store.run(metadata, fn);
}

/** What the current request forwards; undefined outside `runForwarding()`. */
export function forwardedMetadata(): Readonly<Record<string, string>> | undefined {
  return store.getStore();
}
