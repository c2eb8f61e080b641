import { defineConfig } from 'vitest/config';
import { ISOLATED_TEST_FILES as ISOLATED } from './test/support/isolated-files.js';

// Files that patch shared objects run in a fresh module graph each (see isolated-files.ts); the
// rest share their worker's modules, which saves loading the SDK, zod schemas and the emulator once
// per file (most of the suite's import time).
const ALL = ['src/**/*.test.ts', 'test/**/*.test.ts', 'integration/**/*.test.ts'];

export default defineConfig({
  test: {
    // Hang guards only, never verdicts: on a 2-core machine shared with other jobs, Lambda workers,
    // `sls package` and the AWS CLI take many times longer than when idle. What a test asserts is
    // measured on the emulator's ManualClock or waited for as a condition.
    testTimeout: 180_000,
    hookTimeout: 180_000,
    // One file per core: the suite is CPU-bound now that virtual time skips the Lambdas' waits.
    maxWorkers: 2,
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    projects: [
      {
        extends: true,
        test: {
          name: 'shared',
          include: ALL,
          exclude: ISOLATED,
          isolate: false,
          // `sls package` once per run, shared by the files that deploy or inspect it.
          globalSetup: ['test/support/global-setup.ts'],
        },
      },
      { extends: true, test: { name: 'isolated', include: ISOLATED } },
    ],
  },
});
