import { ManualClock } from '../clock.js';
import { CloudWatchModel } from './model.js';

/**
 * CloudWatch model tests on a ManualClock: `modelAt(t0)` gives a model whose alarm actions publish
 * nowhere; a file calls `afterEach(disposeModels)` to stop their schedulers after each test. (The
 * hook is the file's own: with shared module graphs this module is loaded once per worker.)
 */
const models: CloudWatchModel[] = [];

export function disposeModels(): void {
  for (const m of models.splice(0)) m.dispose();
}

export function modelAt(t0: number, accountId = '111111111111') {
  const clock = new ManualClock(t0);
  const model = new CloudWatchModel({
    clock,
    region: 'us-east-1',
    accountId,
    publisher: { publish: () => Promise.resolve({ messageId: 'm' }) },
  });
  models.push(model);
  return { clock, model };
}
