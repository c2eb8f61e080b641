/**
 * The AWS CLI v2 (botocore: its own S3 REST and CloudFormation Query serialisers, aws-chunked
 * uploads, `aws cloudformation deploy`'s change-set flow) against the emulator's S3, STS and
 * CloudFormation.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.js';
import { Emulator } from '../emulator.js';

const run = promisify(execFile);
const AWS = process.env.AWS_CLI || '/usr/bin/aws';
const HAVE_CLI = existsSync(AWS);
if (!HAVE_CLI && process.env.CI === 'true') {
  throw new Error(`the AWS CLI v2 is required in CI but ${AWS} does not exist`);
}

/**
 * The CLI's CloudFormation waiters poll every 30 s, and a poll right after ExecuteChangeSet finds
 * the emulator's stack still in progress. botocore reads models from `AWS_DATA_PATH` before its
 * own: the same waiters (acceptors as in the CLI's model) polling every second keep the flow and
 * drop the sleep. A CLI that ignored the override would only be slower.
 */
function writeWaiters(root: string): void {
  const stackWaiter = (success: string, failures: string[], extra: object[] = []) => ({
    delay: 1,
    maxAttempts: 120,
    operation: 'DescribeStacks',
    acceptors: [
      { argument: 'Stacks[].StackStatus', expected: success, matcher: 'pathAll', state: 'success' },
      ...extra,
      ...failures.map((expected) => ({
        argument: 'Stacks[].StackStatus',
        expected,
        matcher: 'pathAny',
        state: 'failure',
      })),
    ],
  });
  const validationError = (state: string) => ({
    expected: 'ValidationError',
    matcher: 'error',
    state,
  });
  const waiters = {
    version: 2,
    waiters: {
      ChangeSetCreateComplete: {
        delay: 1,
        maxAttempts: 120,
        operation: 'DescribeChangeSet',
        acceptors: [
          { argument: 'Status', expected: 'CREATE_COMPLETE', matcher: 'path', state: 'success' },
          { argument: 'Status', expected: 'FAILED', matcher: 'path', state: 'failure' },
          validationError('failure'),
        ],
      },
      StackCreateComplete: stackWaiter(
        'CREATE_COMPLETE',
        [
          'CREATE_FAILED',
          'DELETE_COMPLETE',
          'DELETE_FAILED',
          'ROLLBACK_FAILED',
          'ROLLBACK_COMPLETE',
        ],
        [validationError('failure')],
      ),
      StackDeleteComplete: stackWaiter(
        'DELETE_COMPLETE',
        ['DELETE_FAILED', 'CREATE_FAILED', 'ROLLBACK_FAILED', 'UPDATE_ROLLBACK_FAILED'],
        [validationError('success')],
      ),
    },
  };
  const folder = path.join(root, 'cloudformation', '2010-05-15');
  mkdirSync(folder, { recursive: true });
  writeFileSync(path.join(folder, 'waiters-2.json'), JSON.stringify(waiters));
}

describe.skipIf(!HAVE_CLI)(
  'AWS CLI v2 against S3, STS and CloudFormation',
  { timeout: 300_000 },
  () => {
    let emulator: Emulator;
    let dir: string;

    beforeAll(async () => {
      emulator = await Emulator.start({ port: 0, clock: new ManualClock(Date.UTC(2026, 11, 2)) });
      dir = mkdtempSync(path.join(tmpdir(), 'cli-deploy-'));
      writeWaiters(path.join(dir, 'models'));
    });
    afterAll(async () => {
      await emulator?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    async function aws(args: string[]): Promise<string> {
      const { stdout } = await run(
        AWS,
        [...args, '--endpoint-url', emulator.url, '--output', 'json'],
        {
          env: {
            PATH: process.env.PATH,
            HOME: dir,
            AWS_ACCESS_KEY_ID: 'test',
            AWS_SECRET_ACCESS_KEY: 'test',
            AWS_DEFAULT_REGION: 'us-east-1',
            AWS_PAGER: '',
            AWS_EC2_METADATA_DISABLED: 'true',
            AWS_DATA_PATH: path.join(dir, 'models'),
          },
          timeout: 100_000,
        },
      );
      return stdout;
    }

    it('names the caller and copies files through a bucket', async () => {
      expect(JSON.parse(await aws(['sts', 'get-caller-identity']))).toMatchObject({
        Account: '000000000000',
      });
      const file = path.join(dir, 'artifact.zip');
      writeFileSync(file, Buffer.alloc(300_000, 7));
      await aws(['s3', 'mb', 's3://cli-bucket']);
      await aws(['s3', 'cp', file, 's3://cli-bucket/serverless/a/artifact.zip']);
      expect(await aws(['s3', 'ls', 's3://cli-bucket/serverless/a/'])).toMatch(
        /300000 artifact\.zip/,
      );
      const head = JSON.parse(
        await aws([
          's3api',
          'head-object',
          '--bucket',
          'cli-bucket',
          '--key',
          'serverless/a/artifact.zip',
        ]),
      ) as { ContentLength: number };
      expect(head.ContentLength).toBe(300_000);
      await aws(['s3', 'rm', 's3://cli-bucket', '--recursive']);
      await aws(['s3', 'rb', 's3://cli-bucket']);
      expect(emulator.s3.hasBucket('cli-bucket')).toBe(false);
    });

    it('deploys, updates and deletes a stack with aws cloudformation deploy', async () => {
      const template = (displayName: string) =>
        JSON.stringify({
          Resources: {
            Topic: {
              Type: 'AWS::SNS::Topic',
              Properties: { TopicName: 'cli-topic', DisplayName: displayName },
            },
          },
          Outputs: { Arn: { Value: { Ref: 'Topic' } } },
        });
      const file = path.join(dir, 'stack.json');
      writeFileSync(file, template('one'));
      // `deploy` waits for the stack with its own 30-second polls, and its first poll always finds
      // the emulator's operation in progress: each step stops at its change set and the test
      // executes it, waiting with the CLI's waiter (1-second polls, writeWaiters) or the emulator.
      const plan = async (): Promise<string> => {
        const out = await aws([
          'cloudformation',
          'deploy',
          '--stack-name',
          'cli-stack',
          '--template-file',
          file,
          '--no-execute-changeset',
        ]);
        const arn = /(arn:aws:cloudformation:\S+:changeSet\/\S+)/.exec(out)?.[1];
        expect(arn, out).toBeDefined();
        return arn!;
      };
      await aws(['cloudformation', 'execute-change-set', '--change-set-name', await plan()]);
      await aws(['cloudformation', 'wait', 'stack-create-complete', '--stack-name', 'cli-stack']);
      writeFileSync(file, template('two'));
      await aws(['cloudformation', 'execute-change-set', '--change-set-name', await plan()]);
      await emulator.stacks.settled();
      const stacks = JSON.parse(
        await aws(['cloudformation', 'describe-stacks', '--stack-name', 'cli-stack']),
      ) as { Stacks: Array<{ StackStatus: string; Outputs: Array<{ OutputValue: string }> }> };
      expect(stacks.Stacks[0]).toMatchObject({
        StackStatus: 'UPDATE_COMPLETE',
        Outputs: [{ OutputValue: 'arn:aws:sns:us-east-1:000000000000:cli-topic' }],
      });
      const events = JSON.parse(
        await aws(['cloudformation', 'describe-stack-events', '--stack-name', 'cli-stack']),
      ) as { StackEvents: Array<{ LogicalResourceId: string; ResourceStatus: string }> };
      expect(events.StackEvents[0]).toMatchObject({
        LogicalResourceId: 'cli-stack',
        ResourceStatus: 'UPDATE_COMPLETE',
      });
      await aws(['cloudformation', 'delete-stack', '--stack-name', 'cli-stack']);
      await aws(['cloudformation', 'wait', 'stack-delete-complete', '--stack-name', 'cli-stack']);
    });
  },
);
