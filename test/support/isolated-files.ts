/**
 * Test files that patch shared objects for their own tests, and so run in a fresh module graph each
 * (vitest.config.ts): the ones that stub SDK clients with aws-sdk-client-mock, directly or through
 * src/autoscaler/test-support.ts (it patches the clients' `send` for every later user of the same
 * module), and the fuzzer's two, which check that nothing polluted Object.prototype. Every other
 * file shares its worker's modules. `isolation.test.ts` fails when a file that stubs clients is
 * missing here.
 */
export const ISOLATED_TEST_FILES = [
  'src/autoscaler/reconciler.test.ts',
  'src/autoscaler/scaler.test.ts',
  'src/emulator/cloudformation/apply.test.ts',
  'src/emulator/cloudformation/protocol.test.ts',
  'src/emulator/fuzz-regressions.test.ts',
  'src/emulator/fuzz.test.ts',
];
