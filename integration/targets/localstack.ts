import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { PROJECT_ROOT } from '../../src/kit/package.js';
import type { E2ETarget } from './types.js';
import { connectTarget } from './connect.js';
import { dockerEngine, firstLine, requireLocalImage } from './docker.js';

const run = promisify(execFile);
export const LOCALSTACK_IMAGE = 'localstack/localstack:4.14.0';

/**
 * Starts LocalStack with Testcontainers and deploys with `sls deploy --stage local`. It fails at
 * once, naming what is missing, without a Docker engine or (in CI, or with E2E_NO_PULL=1) without
 * the image already on this machine: CI never makes the engine try a registry.
 */
export async function openLocalStack(): Promise<E2ETarget> {
  const engine = await dockerEngine('localstack');
  const pullAllowed = !process.env.CI && !process.env.E2E_NO_PULL;
  await requireLocalImage(
    engine,
    'localstack',
    LOCALSTACK_IMAGE,
    `Load it where a registry is reachable (docker pull ${LOCALSTACK_IMAGE}; docker save | docker load here), ` +
      'or use E2E_TARGET=container (the emulator image) or E2E_TARGET=embedded.',
    pullAllowed,
  );
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
      `LocalStack (${LOCALSTACK_IMAGE}) did not start on the Docker engine: ${firstLine(err)}`,
    );
  }
  const endpoint = `http://127.0.0.1:${container.getMappedPort(4566)}`;
  const url = new URL(endpoint);
  try {
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
    return await connectTarget({
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
  } catch (err) {
    await container.stop();
    throw err;
  }
}
