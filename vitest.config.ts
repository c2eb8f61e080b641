import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'integration/**/*.test.ts'],
    // Hang guards only, never verdicts: on a 2-core machine shared with other jobs, Lambda workers,
    // `sls package` and the AWS CLI take many times longer than when idle. What a test asserts is
    // measured on the emulator's ManualClock or waited for as a condition.
    testTimeout: 600_000,
    hookTimeout: 600_000,
    // `sls package` once per run, shared by the files that deploy or inspect it.
    globalSetup: ['test/support/global-setup.ts'],
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
