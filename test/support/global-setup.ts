/**
 * Packages the service once per test run (`sls package` for the stages the tests deploy or inspect)
 * and hands the folders to the test files through vitest's `provide`/`inject`; removes them at the
 * end. Packaging takes seconds of CPU, and every file used to run its own.
 */
import { rm } from 'node:fs/promises';
import type { TestProject } from 'vitest/node';
import { packageStage } from '../../src/kit/package.js';
import { PACKAGED_STAGES, PACKAGE_CONSUMERS, type PackagedStage } from './package-stages.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Folders of `sls package` output by stage, or undefined when this run needs none. */
    packageDirs: Partial<Record<PackagedStage, string>> | undefined;
  }
}

/**
 * The file filters given on the command line (`vitest run src/emulator/fuzz.test.ts`). Vitest
 * matches them as substrings of each file's path; a run of files that deploy nothing skips packaging.
 */
function cliFilters(): string[] {
  const args = process.argv.slice(2);
  const from = args.findIndex((a) => a === 'run' || a === 'watch' || a === 'dev');
  return args.slice(from + 1).filter((a) => !a.startsWith('-') && !a.includes('='));
}

function needsPackages(): boolean {
  const filters = cliFilters();
  if (filters.length === 0) return true;
  // The e2e suite against another target (CI's endpoint and container stages) deploys with that
  // target's own tools; only the embedded target and the fleet scenario use the package, and a
  // file that does after all packages for itself (packages.ts).
  const target = process.env.E2E_TARGET;
  if (
    target !== undefined &&
    target !== 'embedded' &&
    filters.every((f) => f.startsWith('integration/') && !'integration/fleet.test.ts'.includes(f))
  ) {
    return false;
  }
  return PACKAGE_CONSUMERS.some((file) => filters.some((f) => file.includes(f)));
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (!needsPackages()) {
    project.provide('packageDirs', undefined);
    return () => Promise.resolve();
  }
  const dirs: string[] = [];
  const teardown = async () => {
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  };
  try {
    // One at a time: serverless-esbuild builds in the project's own .esbuild folder.
    for (const stage of PACKAGED_STAGES) dirs.push(await packageStage(stage));
  } catch (err) {
    await teardown();
    throw err;
  }
  project.provide(
    'packageDirs',
    Object.fromEntries(PACKAGED_STAGES.map((stage, i) => [stage, dirs[i]!])),
  );
  return teardown;
}
