import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import {
  DeleteRuleCommand,
  ListTargetsByRuleCommand,
  RemoveTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import {
  DeleteFunctionCommand,
  DeleteFunctionEventInvokeConfigCommand,
} from '@aws-sdk/client-lambda';
import { DeleteBucketCommand, DeleteBucketPolicyCommand } from '@aws-sdk/client-s3';
import { DeleteTopicCommand, UnsubscribeCommand } from '@aws-sdk/client-sns';
import { DeleteQueueCommand } from '@aws-sdk/client-sqs';
import type { ApplyClients } from './apply.js';

type Deleter = (clients: ApplyClients, physicalId: string) => Promise<void>;

/**
 * How a stack deletes each resource type it created, by physical id. Types without an entry hold
 * no state in the emulator (roles, log groups, versions), so deleting them is only bookkeeping.
 */
const DELETERS: Record<string, Deleter> = {
  'AWS::SNS::Topic': async (c, arn) => {
    await c.sns.send(new DeleteTopicCommand({ TopicArn: arn }));
  },
  'AWS::SNS::Subscription': async (c, arn) => {
    await c.sns.send(new UnsubscribeCommand({ SubscriptionArn: arn }));
  },
  'AWS::DynamoDB::Table': async (c, name) => {
    await c.dynamodb.send(new DeleteTableCommand({ TableName: name }));
  },
  'AWS::Lambda::Function': async (c, name) => {
    await c.lambda.send(new DeleteFunctionCommand({ FunctionName: name }));
  },
  'AWS::Lambda::EventInvokeConfig': async (c, id) => {
    const at = id.lastIndexOf(':');
    await c.lambda.send(
      new DeleteFunctionEventInvokeConfigCommand({
        FunctionName: id.slice(0, at),
        Qualifier: id.slice(at + 1),
      }),
    );
  },
  'AWS::SQS::Queue': async (c, url) => {
    await c.sqs?.send(new DeleteQueueCommand({ QueueUrl: url }));
  },
  'AWS::Events::Rule': async (c, name) => {
    if (!c.events) return;
    // EventBridge refuses to delete a rule that still has targets.
    const targets = await c.events.send(new ListTargetsByRuleCommand({ Rule: name }));
    const ids = (targets.Targets ?? []).flatMap((t) => (t.Id ? [t.Id] : []));
    if (ids.length > 0) await c.events.send(new RemoveTargetsCommand({ Rule: name, Ids: ids }));
    await c.events.send(new DeleteRuleCommand({ Name: name }));
  },
  'AWS::S3::Bucket': async (c, name) => {
    // S3 refuses to delete a bucket with objects, and so the stack's deletion fails, as on AWS.
    await c.s3?.send(new DeleteBucketCommand({ Bucket: name }));
  },
  'AWS::S3::BucketPolicy': async (c, bucket) => {
    await c.s3?.send(new DeleteBucketPolicyCommand({ Bucket: bucket }));
  },
};

/** Deletes a resource; one that is already gone counts as deleted, as CloudFormation treats it. */
export async function deleteResource(
  type: string,
  physicalId: string,
  clients: ApplyClients,
): Promise<void> {
  const deleter = DELETERS[type];
  if (!deleter) return;
  try {
    await deleter(clients, physicalId);
  } catch (err) {
    const name = err instanceof Error ? err.name : '';
    if (/NotFound|NoSuch/.test(name)) return;
    throw err;
  }
}
