import solid from 'vite-plugin-solid';
import { defineConfig } from 'vitest/config';

// One run for the whole monorepo. Tests sit beside the code (`*.test.ts`); end-to-end tests
// (`*.e2e.test.ts`, headless Chromium) run in their own project, one file at a time.
export default defineConfig({
  test: {
    globalSetup: ['./test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    teardownTimeout: 30_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: [
            'packages/*/src/**/*.test.ts',
            'functions/src/**/*.test.ts',
            'bench/**/*.test.ts',
            'scripts/**/*.test.ts',
          ],
          exclude: ['**/*.e2e.test.ts', '**/node_modules/**'],
          pool: 'forks',
        },
      },
      {
        // The web app's own logic (realtime client, session helpers) in Node, against real servers.
        extends: true,
        // Solid's JSX (icons, components) compiled for the server build: no DOM rendering here.
        plugins: [solid({ ssr: true })],
        resolve: { conditions: ['node'] },
        test: {
          name: 'web',
          include: ['web/src/**/*.test.ts'],
          exclude: ['**/node_modules/**'],
          pool: 'forks',
        },
      },
      {
        extends: true,
        test: {
          name: 'infra',
          include: ['infra/**/*.test.ts'],
          exclude: ['**/node_modules/**', 'infra/cdk.out/**'],
          pool: 'forks',
          testTimeout: 120_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['**/*.e2e.test.ts'],
          exclude: ['**/node_modules/**'],
          pool: 'forks',
          fileParallelism: false,
          testTimeout: 120_000,
        },
      },
    ],
  },
});
