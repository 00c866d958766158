import { defineConfig } from 'vitest/config';

// One runner, four layers. Integration, interop and e2e share one real Postfix + Dovecot
// started by the global setup; each test creates its own fresh mailboxes.
const mailServerSetup = './test/mailserver/global-setup.ts';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: [mailServerSetup],
          testTimeout: 90_000,
          hookTimeout: 90_000,
          // The server is one shared resource on two cores: files run one at a time, which
          // keeps timings honest and output readable.
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'interop',
          include: ['test/interop/**/*.test.ts'],
          globalSetup: [mailServerSetup],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          globalSetup: [mailServerSetup],
          testTimeout: 180_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
