import { DescribeStacksCommand, type CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { errorMessage } from '../aws/errors.js';
import { KitError } from './errors.js';

export const SERVICE = 'kinesis-autoscaler';

/** What the deployed autoscaler of a stage exports. */
export interface AutoscalerStack {
  stage: string;
  stackName: string;
  scaleUpTopicArn: string;
  scaleDownTopicArn: string;
  logTable: string;
}

export const stackName = (stage: string) => `${SERVICE}-${stage}`;
export const logTableName = (stage: string) => `${SERVICE}-logs-${stage}`;

/**
 * Finds the deployed autoscaler from its CloudFormation stack (the same on AWS, LocalStack and the
 * embedded emulator), so alarms are wired to the topics that really exist.
 */
export async function findAutoscaler(
  cf: CloudFormationClient,
  stage: string,
  region: string,
): Promise<AutoscalerStack> {
  const name = stackName(stage);
  let outputs: Record<string, string>;
  try {
    const out = await cf.send(new DescribeStacksCommand({ StackName: name }));
    outputs = Object.fromEntries(
      (out.Stacks?.[0]?.Outputs ?? []).map((o) => [o.OutputKey ?? '', o.OutputValue ?? '']),
    );
  } catch (err) {
    if (/does not exist/i.test(errorMessage(err))) {
      throw new KitError(
        `the autoscaler is not deployed for stage ${stage} in ${region} (no stack ${name}): run \`kas deploy --stage ${stage}\`, or \`npm start\` for the embedded emulator`,
      );
    }
    throw err;
  }
  const up = outputs.ScaleUpTopicArn;
  const down = outputs.ScaleDownTopicArn;
  if (!up || !down) {
    throw new KitError(
      `stack ${name} has no ScaleUpTopicArn/ScaleDownTopicArn outputs; redeploy the autoscaler`,
    );
  }
  return {
    stage,
    stackName: name,
    scaleUpTopicArn: up,
    scaleDownTopicArn: down,
    logTable: outputs.ScalingLogTableName || logTableName(stage),
  };
}
