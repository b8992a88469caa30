import { defineConfig } from 'vitest/config';

// Projects mirror the test pyramid in STYLE.md §7. `npm test` runs unit + cdk (+ integration once
// it exists); `npm run test:datasets` runs the public-data suite over ../shared/datasets.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/integration/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          // One moto server serves the project; files run one at a time so resets do not race.
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'cdk',
          include: ['test/cdk/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'datasets',
          include: ['test/datasets/**/*.test.ts'],
          environment: 'node',
          testTimeout: 300_000,
        },
      },
    ],
    coverage: {
      provider: 'v8',
      include: ['core/**/*.ts', 'connectors/**/*.ts', 'adapters/**/*.ts'],
      reporter: ['text-summary'],
      // STYLE.md §7: core at least 90% of lines and branches; adapters and connectors 80%.
      thresholds: {
        'core/**': { lines: 90, branches: 90 },
        'adapters/**': { lines: 80, branches: 70 },
      },
    },
  },
});
