import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';

export interface AwsTarget {
  /** A custom endpoint (LocalStack, the embedded emulator); unset means real AWS. */
  endpoint?: string | undefined;
  region?: string | undefined;
  profile?: string | undefined;
}

export interface ClientConfig {
  region: string;
  maxAttempts?: number;
  retryMode?: 'standard' | 'adaptive';
  endpoint?: string;
  profile?: string;
  requestHandler?: NodeHttpHandler;
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

export const DEFAULT_REGION = 'us-east-1';

/**
 * One place that decides how every AWS client is built, so the Lambdas, the CLI and the tests all
 * honour `AWS_ENDPOINT_URL` and the region the same way.
 */
export function clientConfig(
  target: AwsTarget = {},
  env: NodeJS.ProcessEnv = process.env,
): ClientConfig {
  const endpoint = target.endpoint ?? (env.AWS_ENDPOINT_URL || undefined);
  const region = target.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? DEFAULT_REGION;
  const config: ClientConfig = { region };
  if (target.profile) config.profile = target.profile;
  if (endpoint) {
    config.endpoint = endpoint;
    // The Kinesis client defaults to HTTP/2, which plain-http emulators do not speak.
    if (endpoint.startsWith('http:')) {
      config.requestHandler = new NodeHttpHandler({ connectionTimeout: 5_000 });
    }
    // Local endpoints accept any credentials; LocalStack users expect `test`/`test` to just work.
    if (!env.AWS_ACCESS_KEY_ID && !target.profile && !env.AWS_PROFILE) {
      config.credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
    }
  }
  return config;
}

/**
 * Retries for callers that expect throttling (the Lambdas: a fleet of alarms firing in the same
 * minute meets the per-account API rate limits of CloudWatch and Kinesis). The SDK's standard mode
 * backs off exponentially with full jitter (a random delay up to 500 ms x 2^attempt for throttling
 * errors, 100 ms x 2^attempt for others, capped at 20 s), so concurrent invocations spread out
 * instead of retrying in step; five attempts keep the worst case (about 7.5 s of waiting on one
 * call) well inside the functions' 60 s timeout.
 */
export const THROTTLED_CALLER_RETRIES = { maxAttempts: 5, retryMode: 'standard' } as const;

export interface AwsClients {
  kinesis: KinesisClient;
  cloudwatch: CloudWatchClient;
  dynamodb: DynamoDBDocumentClient;
  sns: SNSClient;
}

export function createClients(
  target: AwsTarget = {},
  env: NodeJS.ProcessEnv = process.env,
  retries: Pick<ClientConfig, 'maxAttempts' | 'retryMode'> = {},
): AwsClients {
  const config = { ...clientConfig(target, env), ...retries };
  return {
    kinesis: new KinesisClient(config),
    cloudwatch: new CloudWatchClient(config),
    dynamodb: DynamoDBDocumentClient.from(new DynamoDBClient(config), {
      marshallOptions: { removeUndefinedValues: true },
    }),
    sns: new SNSClient(config),
  };
}
