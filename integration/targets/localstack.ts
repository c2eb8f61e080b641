import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { errorMessage } from '../../src/aws/errors.js';
import { PROJECT_ROOT } from '../../src/kit/package.js';
import type { E2ETarget } from '../target.js';
import { connectTarget } from './connect.js';

const run = promisify(execFile);
export const LOCALSTACK_IMAGE = 'localstack/localstack:4.14.0';

/**
 * Starts LocalStack with Testcontainers and deploys with `sls deploy --stage local`. Without a
 * Docker engine it fails at once, saying so and naming the targets that work.
 */
export async function openLocalStack(): Promise<E2ETarget> {
  const { LocalstackContainer } = await import('@testcontainers/localstack');
  let container: Awaited<ReturnType<InstanceType<typeof LocalstackContainer>['start']>>;
  try {
    container = await new LocalstackContainer(LOCALSTACK_IMAGE)
      .withEnvironment({
        SERVICES: 'kinesis,cloudwatch,sns,lambda,dynamodb,cloudformation,s3,iam,sts,logs',
      })
      .withBindMounts([{ source: '/var/run/docker.sock', target: '/var/run/docker.sock' }])
      .start();
  } catch (err) {
    throw new Error(
      `E2E_TARGET=localstack needs a Docker engine, and none is reachable (${errorMessage(err)}). ` +
        'Run E2E_TARGET=embedded npm run e2e (no Docker needed), or start LocalStack elsewhere, deploy with ' +
        '`npx sls deploy --stage local` and run E2E_TARGET=endpoint AWS_ENDPOINT_URL=http://host:4566 npm run e2e.',
    );
  }
  const endpoint = container.getConnectionUri();
  const url = new URL(endpoint);
  await run('npx', ['sls', 'deploy', '--stage', 'local', '--region', 'us-east-1'], {
    cwd: PROJECT_ROOT,
    env: {
      ...process.env,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      // serverless-localstack reads these to reach the container's mapped port.
      LOCALSTACK_HOSTNAME: url.hostname,
      EDGE_PORT: url.port,
      SLS_TELEMETRY_DISABLED: '1',
    },
    timeout: 600_000,
  });
  return connectTarget({
    name: 'localstack',
    aws: { endpoint, region: 'us-east-1' },
    stage: 'local',
    noAlarmEvaluation:
      'LocalStack does not evaluate metric-math alarms, so real load never fires them',
    noFastTime:
      'the 24-hour quota needs ten reshardings in real time; it runs on E2E_TARGET=embedded',
    reshardTimeoutMs: 120_000,
    close: async () => {
      await container.stop();
    },
  });
}
