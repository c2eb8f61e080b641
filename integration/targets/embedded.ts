import { ManualClock } from '../../src/emulator/clock.js';
import { Emulator } from '../../src/emulator/emulator.js';
import { packagedStage } from '../../test/support/packages.js';
import { stackName } from '../../src/kit/stack.js';
import type { E2ETarget } from './types.js';
import { connectTarget } from './connect.js';

const RESHARDING_MS = 30_000;

/**
 * The embedded emulator in this process on a manual clock: waits advance virtual time, so the
 * suite covers alarm evaluation and day-long quotas in seconds, deterministically.
 */
export async function openEmbedded(): Promise<E2ETarget> {
  const packageDir = await packagedStage('local');
  const clock = new ManualClock(Date.UTC(2026, 2, 2, 9, 0, 0));
  const logs: string[] = [];
  const emulator = await Emulator.start({
    port: 0,
    clock,
    reshardingMs: RESHARDING_MS,
    onLambdaLog: (fn, line) => logs.push(`${fn}: ${line}`),
  });
  await emulator.deployPackage({ packageDir, stackName: stackName('local') });
  let n = 0;
  return connectTarget({
    name: 'embedded',
    aws: { endpoint: emulator.url, region: 'us-east-1' },
    env: {},
    stage: 'local',
    noAlarmEvaluation: undefined,
    noFastTime: undefined,
    // A non-aligned reshard of a few shards runs several split/merge batches (see resharding.ts).
    reshardTimeoutMs: RESHARDING_MS * 10,
    time: {
      sleep: (ms) => clock.advance(ms),
      now: () => clock.now(),
      settle: () => clock.advance(0),
    },
    lambdaLogs: () => logs,
    uniqueName: (base) => `${base}-${++n}`,
    injectFault: (service, durationMs) => void emulator.faults.inject(service, durationMs),
    close: () => emulator.stop(),
  });
}
