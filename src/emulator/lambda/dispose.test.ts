import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.js';
import { LambdaModel } from './model.js';
import { buildZip, HANG_JS } from './test-support.js';

const ROLE = 'arn:aws:iam::000000000000:role/lambda-role';

/**
 * Issue #11 defect 6: events waiting for an execution environment must settle when their function
 * goes away, or the clock that tracks them never finishes advancing.
 */
describe('queued Lambda invocations when the function or the emulator goes away', () => {
  let clock: ManualClock;
  let model: LambdaModel;

  afterEach(async () => {
    await model.dispose();
  });

  async function hangingFunction(name: string) {
    clock = new ManualClock();
    model = new LambdaModel({
      clock,
      region: 'us-east-1',
      accountId: '000000000000',
      maxConcurrencyPerFunction: 1,
      onLog: () => undefined,
    });
    await model.createFunction({
      FunctionName: name,
      Runtime: 'nodejs20.x',
      Role: ROLE,
      Handler: 'index.handler',
      Code: { ZipFile: await buildZip({ 'index.js': HANG_JS }) },
      Timeout: 900,
    });
  }

  it('rejects a waiting synchronous invocation and ends queued async events on DeleteFunction', async () => {
    await hangingFunction('stuck');
    // The first event takes the only environment and never returns; the others queue behind it.
    const running = model.invoke('stuck', '{}', 'RequestResponse');
    const waiting = model.invoke('stuck', '{}', 'RequestResponse').catch((err: unknown) => err);
    await model.invoke('stuck', '{"queued":true}', 'Event');
    await model.deleteFunction('stuck');

    expect(await waiting).toMatchObject({
      code: 'ResourceNotFoundException',
      message: expect.stringContaining('stuck was deleted'),
    });
    expect(await running).toMatchObject({ functionError: 'Unhandled' });
    // The queued async event is tracked by the clock: advancing must return.
    await clock.advance(60_000);
    expect(clock.pendingTimers).toBe(0);
  });

  it('settles everything queued when the emulator stops', async () => {
    await hangingFunction('stuck2');
    await model.invoke('stuck2', '{}', 'Event');
    await model.invoke('stuck2', '{}', 'Event');
    const waiting = model.invoke('stuck2', '{}', 'RequestResponse').catch((err: unknown) => err);
    await model.dispose();
    expect(await waiting).toMatchObject({ code: 'ServiceException' });
    await clock.advance(300_000);
    expect(clock.pendingTimers).toBe(0);
  });
});
