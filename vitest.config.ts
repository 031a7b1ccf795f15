import { defineConfig } from 'vitest/config';

// Two projects: fast unit tests next to the code, and end-to-end tests in test/ that start real
// processes (Jina executors from .venv, our TypeScript executor server, Jina's own gateway).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['runtime/src/**/*.test.ts', 'generator/src/**/*.test.ts'],
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          // Real processes on 2 cores: one file at a time keeps ports and CPU predictable.
          fileParallelism: false,
        },
      },
    ],
  },
});
