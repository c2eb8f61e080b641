/**
 * The `sls package` output a test deploys or inspects: made once per run by global-setup.ts. When a
 * run skipped it (only other files were named on the command line, by a filter this file could not
 * tell apart), the first caller in the worker packages the stage itself and removes it at exit.
 */
import { rmSync } from 'node:fs';
import { inject } from 'vitest';
import { packageStage } from '../../src/kit/package.js';

import type { PackagedStage } from './package-stages.js';

const ownPackages = new Map<PackagedStage, Promise<string>>();

export function packagedStage(stage: PackagedStage): Promise<string> {
  const provided = inject('packageDirs')?.[stage];
  if (provided !== undefined) return Promise.resolve(provided);
  let own = ownPackages.get(stage);
  if (!own) {
    own = packageStage(stage).then((dir) => {
      process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
      return dir;
    });
    ownPackages.set(stage, own);
  }
  return own;
}
