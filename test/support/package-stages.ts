/** Which stages global-setup.ts packages, and for which test files. */
export const PACKAGED_STAGES = ['local', 'dev'] as const;
export type PackagedStage = (typeof PACKAGED_STAGES)[number];

/** Test files that call `packagedStage`; global-setup.ts packages only when a run includes one. */
export const PACKAGE_CONSUMERS = [
  'src/emulator/emulator.test.ts',
  'src/simulation/loop.test.ts',
  'test/cli/cli.test.ts',
  'test/deployment/serverless-template.test.ts',
  'integration/scenarios.test.ts',
  'integration/faults.test.ts',
  'integration/fleet.test.ts',
];
