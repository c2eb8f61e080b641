import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { packageStage } from '../kit/package.js';

export const PACKAGE_STAGE = 'local';
const TEMPLATE = 'cloudformation-template-update-stack.json';

let cached: Promise<string> | undefined;

/**
 * The deployment package the simulation deploys into the emulator: `sls package --stage local`,
 * run once per process since it takes a few seconds and every run deploys the same artifacts.
 * This is the code production runs, not a copy of the handler.
 */
export function simulationPackage(existingDir?: string): Promise<string> {
  if (existingDir) {
    if (!existsSync(join(existingDir, TEMPLATE))) {
      return Promise.reject(
        new Error(`${existingDir} has no ${TEMPLATE}; run \`npx sls package --stage local\` first`),
      );
    }
    return Promise.resolve(existingDir);
  }
  cached ??= packageStage(PACKAGE_STAGE).then((dir) => {
    // Ours to remove: every simulation would otherwise leave a package in the temporary folder.
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    return dir;
  });
  return cached;
}
