import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  DeleteRuleCommand,
  DescribeRuleCommand,
  DisableRuleCommand,
  EnableRuleCommand,
  EventBridgeClient,
  ListRulesCommand,
  ListTargetsByRuleCommand,
  PutRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import { CreateFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientConfig } from '../../aws/clients.js';
import { ManualClock } from '../clock.js';
import { Emulator } from '../emulator.js';
import { buildZip, RECORDER_JS } from '../lambda/test-support.js';
import { parseSchedule } from './schedule.js';

const START = Date.UTC(2026, 5, 1, 12, 0, 30);
const ROLE = 'arn:aws:iam::000000000000:role/lambda-role';

describe('EventBridge schedule rules on the emulator clock', () => {
  let clock: ManualClock;
  let emulator: Emulator;
  let events: EventBridgeClient;
  let lambda: LambdaClient;
  let tmp: string;
  let record: string;
  let functionArn: string;

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'events-test-'));
    record = path.join(tmp, 'events.jsonl');
    clock = new ManualClock(START);
    emulator = await Emulator.start({ port: 0, clock, onLambdaLog: () => undefined });
    const config = clientConfig({ endpoint: emulator.url, region: 'us-east-1' }, {});
    events = new EventBridgeClient(config);
    lambda = new LambdaClient(config);
    const created = await lambda.send(
      new CreateFunctionCommand({
        FunctionName: 'reconcile',
        Runtime: 'nodejs22.x',
        Role: ROLE,
        Handler: 'index.handler',
        Code: { ZipFile: await buildZip({ 'index.js': RECORDER_JS }) },
        Environment: { Variables: { RECORD_FILE: record } },
      }),
    );
    functionArn = created.FunctionArn!;
  });

  afterAll(async () => {
    events?.destroy();
    lambda?.destroy();
    await emulator?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  const received = (): Array<Record<string, unknown>> =>
    fs.existsSync(record)
      ? fs
          .readFileSync(record, 'utf8')
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l).event)
      : [];

  it('invokes a Lambda target every period with the scheduled event AWS sends', async () => {
    const { RuleArn } = await events.send(
      new PutRuleCommand({ Name: 'every-5', ScheduleExpression: 'rate(5 minutes)' }),
    );
    expect(RuleArn).toBe('arn:aws:events:us-east-1:000000000000:rule/every-5');
    const put = await events.send(
      new PutTargetsCommand({ Rule: 'every-5', Targets: [{ Id: 'fn', Arn: functionArn }] }),
    );
    expect(put.FailedEntryCount).toBe(0);

    // The first run is one period after creation, on a minute boundary (12:05:00).
    await clock.advanceTo(Date.UTC(2026, 5, 1, 12, 4, 59));
    expect(received()).toEqual([]);
    await clock.advanceTo(Date.UTC(2026, 5, 1, 12, 5, 0));
    expect(received()).toEqual([
      {
        version: '0',
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        'detail-type': 'Scheduled Event',
        source: 'aws.events',
        account: '000000000000',
        time: '2026-06-01T12:05:00Z',
        region: 'us-east-1',
        resources: [RuleArn],
        detail: {},
      },
    ]);
    await clock.advance(15 * 60_000);
    expect(received().map((e) => e.time)).toEqual([
      '2026-06-01T12:05:00Z',
      '2026-06-01T12:10:00Z',
      '2026-06-01T12:15:00Z',
      '2026-06-01T12:20:00Z',
    ]);

    // Disabled rules do not fire; enabling starts the period again.
    await events.send(new DisableRuleCommand({ Name: 'every-5' }));
    expect((await events.send(new DescribeRuleCommand({ Name: 'every-5' }))).State).toBe(
      'DISABLED',
    );
    await clock.advance(30 * 60_000);
    expect(received()).toHaveLength(4);
    await events.send(new EnableRuleCommand({ Name: 'every-5' }));
    await clock.advance(5 * 60_000);
    expect(received()).toHaveLength(5);

    await expect(events.send(new DeleteRuleCommand({ Name: 'every-5' }))).rejects.toMatchObject({
      name: 'ValidationException',
      message: "Rule can't be deleted since it has targets.",
    });
    await events.send(new RemoveTargetsCommand({ Rule: 'every-5', Ids: ['fn'] }));
    await events.send(new DeleteRuleCommand({ Name: 'every-5' }));
    await clock.advance(30 * 60_000);
    expect(received()).toHaveLength(5);
    await expect(events.send(new DescribeRuleCommand({ Name: 'every-5' }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
      message: 'Rule every-5 does not exist on EventBus default.',
    });
  });

  it('runs cron rules at their UTC times, with constant Input', async () => {
    fs.rmSync(record, { force: true });
    await events.send(
      new PutRuleCommand({
        Name: 'hourly-at-15',
        ScheduleExpression: 'cron(15 * * * ? *)',
        Description: 'reconcile',
      }),
    );
    await events.send(
      new PutTargetsCommand({
        Rule: 'hourly-at-15',
        Targets: [{ Id: 'fn', Arn: functionArn, Input: '{"mode":"reconcile"}' }],
      }),
    );
    const now = new Date(clock.now());
    const nextHour = Date.UTC(
      now.getUTCFullYear(),
      now.getUTCMonth(),
      now.getUTCDate(),
      now.getUTCHours() + 1,
    );
    await clock.advanceTo(nextHour + 15 * 60_000 + 1);
    await clock.advance(2 * 3_600_000);
    expect(received()).toEqual([
      { mode: 'reconcile' },
      { mode: 'reconcile' },
      { mode: 'reconcile' },
    ]);
    const listed = await events.send(new ListRulesCommand({ NamePrefix: 'hourly' }));
    expect(listed.Rules).toEqual([
      {
        Name: 'hourly-at-15',
        Arn: 'arn:aws:events:us-east-1:000000000000:rule/hourly-at-15',
        State: 'ENABLED',
        EventBusName: 'default',
        ScheduleExpression: 'cron(15 * * * ? *)',
        Description: 'reconcile',
      },
    ]);
    const targets = await events.send(new ListTargetsByRuleCommand({ Rule: 'hourly-at-15' }));
    expect(targets.Targets).toEqual([
      { Id: 'fn', Arn: functionArn, Input: '{"mode":"reconcile"}' },
    ]);
  });

  it('refuses invalid rules with the errors EventBridge returns', async () => {
    for (const expr of [
      'rate(0 minutes)',
      'rate(1 minutes)',
      'rate(5 minute)',
      'rate(5 weeks)',
      'cron(0 12 * * * *)',
      'cron(0 12 ? * ? *)',
      'cron(61 * * * ? *)',
      'cron(0 12 * *)',
      'every 5 minutes',
    ]) {
      await expect(
        events.send(new PutRuleCommand({ Name: 'bad', ScheduleExpression: expr })),
      ).rejects.toMatchObject({
        name: 'ValidationException',
        message: 'Parameter ScheduleExpression is not valid.',
      });
    }
    await expect(events.send(new PutRuleCommand({ Name: 'none' }))).rejects.toMatchObject({
      name: 'ValidationException',
      message: 'Parameter(s) ScheduleExpression or EventPattern must be specified.',
    });
    await expect(
      events.send(
        new PutTargetsCommand({ Rule: 'missing', Targets: [{ Id: 'x', Arn: functionArn }] }),
      ),
    ).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('computes cron and rate schedules as EventBridge documents them', () => {
    const at = (iso: string) => Date.parse(iso);
    const weekdays = parseSchedule('cron(0 12 ? * MON-FRI *)', 0)!;
    // 2026-01-03 is a Saturday.
    expect(new Date(weekdays.next(at('2026-01-03T00:00:00Z'))!).toISOString()).toBe(
      '2026-01-05T12:00:00.000Z',
    );
    const lastDay = parseSchedule('cron(0 18 L * ? *)', 0)!;
    expect(new Date(lastDay.next(at('2026-02-01T00:00:00Z'))!).toISOString()).toBe(
      '2026-02-28T18:00:00.000Z',
    );
    const past = parseSchedule('cron(0 12 1 1 ? 2020)', 0)!;
    expect(past.next(at('2026-01-01T00:00:00Z'))).toBeUndefined();
    const hourly = parseSchedule('rate(1 hour)', at('2026-01-01T00:20:10Z'))!;
    expect(new Date(hourly.next(at('2026-01-01T00:20:10Z'))!).toISOString()).toBe(
      '2026-01-01T01:20:00.000Z',
    );
    expect(new Date(hourly.next(at('2026-01-01T01:20:00Z'))!).toISOString()).toBe(
      '2026-01-01T02:20:00.000Z',
    );
  });
});
