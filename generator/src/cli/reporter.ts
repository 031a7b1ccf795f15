/** Progress lines for a person: one per step, to stderr, so stdout can carry data (`introspect` without -o). */
export interface Reporter {
  step(message: string): void;
  detail(message: string): void;
}

export function streamReporter(stream: NodeJS.WritableStream = process.stderr, quiet = false): Reporter {
  return {
    step: (message) => {
      if (!quiet) stream.write(`==> ${message}\n`);
    },
    detail: (message) => {
      if (!quiet) stream.write(`    ${message}\n`);
    },
  };
}

export const silentReporter: Reporter = { step: () => undefined, detail: () => undefined };
