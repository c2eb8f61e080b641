import {
  DescribeAlarmsCommand,
  PutMetricAlarmCommand,
  SetAlarmStateCommand,
  type MetricAlarm,
  type PutMetricAlarmInput,
} from '@aws-sdk/client-cloudwatch';
import {
  DescribeStreamSummaryCommand,
  ListTagsForStreamCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-kinesis';
import { DeleteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { buildAlarmPair, readAlarmContract } from './alarm-contract.js';
import { CLAIM_TIMEOUT_MS } from './claims.js';
import { DEFAULT_SCALING } from './config.js';
import { reconcileAll, STUCK_ALARM_MS, type ReconcileReport } from './reconciler.js';
import type { ScalingLogEntry } from './scaling-log.js';
import {
  mockScalingLogTable,
  mockServices,
  TEST_TOPICS,
  testDeps,
  type LogLine,
} from './test-support.js';

const NOW = Date.parse('2026-03-02T12:00:00Z');
const { up: UP_TOPIC, down: DOWN_TOPIC } = TEST_TOPICS;
const STREAM = 'orders';
const UP = `kinesis-autoscaler-${STREAM}-scale-up`;
const DOWN = `kinesis-autoscaler-${STREAM}-scale-down`;
const iso = (ms: number) => new Date(ms).toISOString();

interface Stream {
  shards: number;
  status: 'ACTIVE' | 'UPDATING';
  mode: 'PROVISIONED' | 'ON_DEMAND';
}

/** The services behind the mocks, so what the reconciler changed can be read back. */
interface World {
  streams: Map<string, Stream>;
  alarms: Map<string, MetricAlarm>;
  log: ScalingLogEntry[];
  putAlarm: PutMetricAlarmInput[];
  rearmed: string[];
}

const { kinesis, cloudwatch, dynamo } = mockServices();
let world: World;
let logs: LogLine[];

/** A stream and its alarm pair for `alarmShards`, both OK since an hour ago. */
function addStream(name: string, stream: Stream, alarmShards = stream.shards): void {
  world.streams.set(name, stream);
  const pair = buildAlarmPair({
    streamName: name,
    shardCount: alarmShards,
    scaleUpTopicArn: UP_TOPIC,
    scaleDownTopicArn: DOWN_TOPIC,
  });
  for (const alarm of [pair.up, pair.down]) {
    world.alarms.set(alarm.AlarmName!, {
      ...(alarm as MetricAlarm),
      StateValue: 'OK',
      StateTransitionedTimestamp: new Date(NOW - 3600_000),
    });
  }
}

function setState(alarm: string, state: MetricAlarm['StateValue'], sinceMs: number): void {
  Object.assign(world.alarms.get(alarm)!, {
    StateValue: state,
    StateTransitionedTimestamp: new Date(sinceMs),
  });
}

function claim(from: number, to: number, claimedAt: number, at = claimedAt - 1000) {
  const entry: ScalingLogEntry = {
    stream_name: STREAM,
    scaling_datetime: iso(at),
    shard_count: from,
    target_shard_count: to,
    scaling_type: to > from ? 'SCALE_UP' : 'SCALE_DOWN',
    reason: 'test',
    utilization: 0.9,
    demand_utilization: 0.9,
    throttled_records: 0,
    alarm_name: to > from ? UP : DOWN,
    event_id: 'msg',
    expires_at: Math.floor(at / 1000) + 14 * 86400,
    status: 'pending',
    claimed_at: iso(claimedAt),
  };
  world.log.push(entry);
  return entry;
}

function install(): void {
  kinesis.reset();
  cloudwatch.reset();
  dynamo.reset();
  kinesis.on(DescribeStreamSummaryCommand).callsFake((input: { StreamName: string }) => {
    const s = world.streams.get(input.StreamName);
    if (!s) {
      throw new ResourceNotFoundException({
        message: `Stream ${input.StreamName} not found`,
        $metadata: {},
      });
    }
    return {
      StreamDescriptionSummary: {
        StreamName: input.StreamName,
        StreamStatus: s.status,
        StreamModeDetails: { StreamMode: s.mode },
        OpenShardCount: s.shards,
      },
    };
  });
  kinesis.on(ListTagsForStreamCommand).resolves({ Tags: [], HasMoreTags: false });
  // Copies, as a response is: later writes must not show through what was read. Pages of two
  // alarms, so that every listing of more than one stream takes the NextToken path.
  cloudwatch
    .on(DescribeAlarmsCommand)
    .callsFake((input: { ActionPrefix?: string; NextToken?: string }) => {
      const all = [...world.alarms.values()].filter(
        (a) =>
          input.ActionPrefix === undefined ||
          (a.AlarmActions ?? []).some((arn) => arn.startsWith(input.ActionPrefix!)),
      );
      const from = Number(input.NextToken ?? 0);
      return {
        MetricAlarms: all.slice(from, from + 2).map((a) => structuredClone(a)),
        ...(from + 2 < all.length ? { NextToken: String(from + 2) } : {}),
      };
    });
  cloudwatch.on(PutMetricAlarmCommand).callsFake((input: PutMetricAlarmInput) => {
    world.putAlarm.push(input);
    const old = world.alarms.get(input.AlarmName!);
    // An updated alarm keeps its state; a new one starts in INSUFFICIENT_DATA.
    world.alarms.set(input.AlarmName!, {
      ...(input as MetricAlarm),
      StateValue: old?.StateValue ?? 'INSUFFICIENT_DATA',
      StateTransitionedTimestamp: old?.StateTransitionedTimestamp ?? new Date(NOW),
    });
    return {};
  });
  cloudwatch
    .on(SetAlarmStateCommand)
    .callsFake((input: { AlarmName: string; StateValue: MetricAlarm['StateValue'] }) => {
      world.rearmed.push(input.AlarmName);
      setState(input.AlarmName, input.StateValue, NOW);
      return {};
    });
  mockScalingLogTable(dynamo, world);
}

const deps = () => testDeps({ logs, now: () => NOW, defaults: DEFAULT_SCALING });

const shardCountOf = (alarm: string) => readAlarmContract(world.alarms.get(alarm)!).shardCount;

beforeEach(() => {
  world = { streams: new Map(), alarms: new Map(), log: [], putAlarm: [], rearmed: [] };
  logs = [];
  install();
});

const ACTIVE_4: Stream = { shards: 4, status: 'ACTIVE', mode: 'PROVISIONED' };

interface Case {
  name: string;
  setup: () => void;
  /** The stream's actions in the report, in order. */
  actions: string[];
  rearmed?: string[];
  rewritten?: string[];
  /** Checks on the world afterwards. */
  after?: () => void;
}

const cases: Case[] = [
  {
    name: 're-arms an alarm in ALARM for the bound',
    setup: () => {
      addStream(STREAM, ACTIVE_4);
      setState(UP, 'ALARM', NOW - STUCK_ALARM_MS);
    },
    actions: [`re-armed ${UP}, in ALARM since ${iso(NOW - STUCK_ALARM_MS)}`],
    rearmed: [UP],
    after: () => expect(world.alarms.get(UP)!.StateValue).toBe('INSUFFICIENT_DATA'),
  },
  {
    name: 'retries a refused scale-down: its alarm was left in ALARM on purpose',
    setup: () => {
      addStream(STREAM, ACTIVE_4);
      setState(DOWN, 'ALARM', NOW - 2 * STUCK_ALARM_MS);
    },
    actions: [`re-armed ${DOWN}, in ALARM since ${iso(NOW - 2 * STUCK_ALARM_MS)}`],
    rearmed: [DOWN],
  },
  {
    name: 'leaves an alarm in ALARM for less than the bound (a scaling function may hold it)',
    setup: () => {
      addStream(STREAM, ACTIVE_4);
      setState(UP, 'ALARM', NOW - STUCK_ALARM_MS + 1);
    },
    actions: [],
    after: () => expect(world.alarms.get(UP)!.StateValue).toBe('ALARM'),
  },
  {
    name: 'leaves an alarm in ALARM whose actions are off (it cannot notify anyway)',
    setup: () => {
      addStream(STREAM, { ...ACTIVE_4, shards: 1 }, 1);
      Object.assign(world.alarms.get(DOWN)!, { ActionsEnabled: false });
      setState(DOWN, 'ALARM', NOW - 3600_000);
    },
    actions: [],
  },
  {
    name: 'rewrites alarms whose shardCount is out of date, and re-arms them',
    setup: () => addStream(STREAM, ACTIVE_4, 2),
    actions: [
      `${UP} assumes 2 shards, the stream has 4; ${DOWN} assumes 2 shards, the stream has 4: ` +
        `rewrote ${UP}, ${DOWN} for 4 shards and re-armed`,
    ],
    rewritten: [UP, DOWN],
    rearmed: [UP, DOWN],
    after: () => {
      expect(shardCountOf(UP)).toBe(4);
      expect(shardCountOf(DOWN)).toBe(4);
    },
  },
  {
    name: 'rewrites a scale-down alarm whose actions are off above min shards',
    setup: () => {
      addStream(STREAM, ACTIVE_4);
      Object.assign(world.alarms.get(DOWN)!, { ActionsEnabled: false });
    },
    actions: [
      `${DOWN} has its actions disabled above min shards (1): rewrote ${UP}, ${DOWN} for 4 shards and re-armed`,
    ],
    rewritten: [UP, DOWN],
    rearmed: [UP, DOWN],
    after: () => expect(world.alarms.get(DOWN)!.ActionsEnabled).toBe(true),
  },
  {
    name: 'recreates a deleted scale-down alarm on the stack topic',
    setup: () => {
      addStream(STREAM, ACTIVE_4);
      world.alarms.delete(DOWN);
    },
    actions: [`${DOWN} is missing: rewrote ${UP}, ${DOWN} for 4 shards and re-armed`],
    rewritten: [UP, DOWN],
    rearmed: [UP, DOWN],
    after: () => {
      const down = world.alarms.get(DOWN)!;
      expect(readAlarmContract(down)).toMatchObject({ direction: 'down', shardCount: 4 });
      expect(down.AlarmActions).toEqual([DOWN_TOPIC]);
      expect(down.ActionsEnabled).toBe(true);
    },
  },
  {
    name: 'recreates a deleted scale-up alarm from the scale-down one',
    setup: () => {
      addStream(STREAM, ACTIVE_4);
      world.alarms.delete(UP);
    },
    actions: [`${UP} is missing: rewrote ${DOWN}, ${UP} for 4 shards and re-armed`],
    rewritten: [DOWN, UP],
    rearmed: [DOWN, UP],
    after: () => expect(world.alarms.get(UP)!.AlarmActions).toEqual([UP_TOPIC]),
  },
  {
    name: 'confirms an abandoned claim whose target the stream reached, and repairs the alarms',
    setup: () => {
      addStream(STREAM, ACTIVE_4, 2);
      claim(2, 4, NOW - CLAIM_TIMEOUT_MS);
    },
    actions: [
      `confirmed pending claim 2 -> 4 of ${iso(NOW - CLAIM_TIMEOUT_MS - 1000)}`,
      `${UP} assumes 2 shards, the stream has 4; ${DOWN} assumes 2 shards, the stream has 4: ` +
        `rewrote ${UP}, ${DOWN} for 4 shards and re-armed`,
    ],
    rewritten: [UP, DOWN],
    rearmed: [UP, DOWN],
    after: () =>
      expect(world.log).toEqual([
        expect.objectContaining({ status: 'done', confirmed_by: 'state', target_shard_count: 4 }),
      ]),
  },
  {
    name: 'releases an abandoned claim when the stream is still at its start',
    setup: () => {
      addStream(STREAM, ACTIVE_4);
      claim(4, 8, NOW - CLAIM_TIMEOUT_MS);
    },
    actions: [`released pending claim 4 -> 8 of ${iso(NOW - CLAIM_TIMEOUT_MS - 1000)}`],
    after: () => expect(world.log).toEqual([]),
  },
  {
    name: 'leaves the claim of an invocation that may still be running',
    setup: () => {
      addStream(STREAM, ACTIVE_4);
      claim(4, 8, NOW - CLAIM_TIMEOUT_MS + 1);
    },
    actions: [],
    after: () => expect(world.log).toEqual([expect.objectContaining({ status: 'pending' })]),
  },
  {
    name: 'leaves an abandoned claim while the stream is UPDATING (its count is in flux)',
    setup: () => {
      addStream(STREAM, { ...ACTIVE_4, status: 'UPDATING' });
      claim(4, 8, NOW - 3600_000);
    },
    actions: [],
    after: () => expect(world.log).toEqual([expect.objectContaining({ status: 'pending' })]),
  },
  {
    name: 'skips an on-demand stream, whatever state its alarms and claims are in',
    setup: () => {
      addStream(STREAM, { ...ACTIVE_4, mode: 'ON_DEMAND' }, 2);
      world.alarms.delete(DOWN);
      setState(UP, 'ALARM', NOW - 3600_000);
      claim(4, 8, NOW - 3600_000);
    },
    actions: [],
    after: () => {
      expect(world.alarms.get(UP)!.StateValue).toBe('ALARM');
      expect(world.log).toEqual([expect.objectContaining({ status: 'pending' })]);
    },
  },
];

describe('reconcileAll', () => {
  it.each(cases)('$name', async (c) => {
    c.setup();
    const report = await reconcileAll(deps());
    expect(report.results).toEqual([{ streamName: STREAM, actions: c.actions }]);
    expect(world.rearmed).toEqual(c.rearmed ?? []);
    expect(world.putAlarm.map((p) => p.AlarmName)).toEqual(c.rewritten ?? []);
    expect(
      dynamo.commandCalls(UpdateCommand).length + dynamo.commandCalls(DeleteCommand).length,
    ).toBe(c.actions.filter((a) => /pending claim/.test(a)).length);
    c.after?.();
  });

  it('writes what it did to the log and the report, one line per stream it acted on', async () => {
    addStream(STREAM, ACTIVE_4);
    setState(UP, 'ALARM', NOW - 3600_000);
    addStream('quiet', ACTIVE_4);
    addStream('fixed', ACTIVE_4, 8);
    const report: ReconcileReport = await reconcileAll(deps());

    expect(report).toMatchObject({ at: iso(NOW), streams: 3, actedOn: 2, failed: 0 });
    // Three alarms on each topic, two to a page.
    expect(cloudwatch.commandCalls(DescribeAlarmsCommand)).toHaveLength(4);
    expect(report.results.map((r) => [r.streamName, r.actions.length])).toEqual([
      [STREAM, 1],
      ['quiet', 0],
      ['fixed', 1],
    ]);
    expect(logs).toEqual([
      {
        level: 'info',
        message: 'reconcile',
        extra: { streamName: STREAM, actions: [expect.stringMatching(/^re-armed /)] },
      },
      {
        level: 'info',
        message: 'reconcile',
        extra: { streamName: 'fixed', actions: [expect.stringMatching(/assumes 8 shards/)] },
      },
      {
        level: 'info',
        message: 'reconcile summary',
        extra: { at: iso(NOW), streams: 3, actedOn: 2, failed: 0 },
      },
    ]);
  });

  it('reports a stream it could not reconcile and goes on with the others', async () => {
    addStream(STREAM, ACTIVE_4);
    setState(UP, 'ALARM', NOW - 3600_000);
    addStream('gone', ACTIVE_4);
    world.streams.delete('gone');
    const report = await reconcileAll(deps());

    expect(report).toMatchObject({ streams: 2, actedOn: 1, failed: 1 });
    expect(report.results).toContainEqual({
      streamName: 'gone',
      actions: [],
      error: 'rejected: stream gone named by the alarm does not exist',
    });
    expect(world.rearmed).toEqual([UP]);
    expect(logs.filter((l) => l.level === 'warn')).toEqual([
      expect.objectContaining({
        message: 'reconcile',
        extra: expect.objectContaining({ streamName: 'gone' }),
      }),
    ]);
  });

  it('lists only the alarms that publish to the stack topics', async () => {
    addStream(STREAM, ACTIVE_4);
    world.alarms.set('unrelated-scale-up', {
      ...world.alarms.get(UP)!,
      AlarmName: 'unrelated-scale-up',
      AlarmActions: ['arn:aws:sns:us-east-1:000000000000:someone-else'],
      StateValue: 'ALARM',
      StateTransitionedTimestamp: new Date(NOW - 3600_000),
    });
    const report = await reconcileAll(deps());
    expect(report.streams).toBe(1);
    expect(world.rearmed).toEqual([]);
    expect(
      cloudwatch.commandCalls(DescribeAlarmsCommand).map((c) => c.args[0].input.ActionPrefix),
    ).toEqual([UP_TOPIC, DOWN_TOPIC]);
  });
});
