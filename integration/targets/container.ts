import type { E2ETarget } from './types.js';
import { connectTarget } from './connect.js';
import { dockerEngine, firstLine, requireLocalImage } from './docker.js';

export const EMULATOR_IMAGE = 'kinesis-autoscaler-emulator:latest';
const RESHARDING_SECONDS = 2;

/**
 * The emulator's container image, started with Testcontainers: the image's own start (`kas local`
 * packaging and deploying the autoscaler) and health check, reached on 127.0.0.1 in real time.
 * The image must already exist (`docker compose build`, or .ci/run's container stage).
 */
export async function openContainer(): Promise<E2ETarget> {
  const image = process.env.E2E_CONTAINER_IMAGE || EMULATOR_IMAGE;
  const engine = await dockerEngine('container');
  await requireLocalImage(
    engine,
    'container',
    image,
    'Build it with `docker compose build` (or `docker build -t kinesis-autoscaler-emulator .`; ' +
      'without registry access pass --build-arg BASE_IMAGE=<a local Node 20 image>, see scripts/container-base.sh).',
  );
  const logs: string[] = [];
  let container: Awaited<ReturnType<InstanceType<typeof engine.GenericContainer>['start']>>;
  try {
    container = await new engine.GenericContainer(image)
      .withExposedPorts(4566)
      // Shorter reshardings than the image's default keep the suite's real-time waits short.
      .withCommand(['--resharding-seconds', String(RESHARDING_SECONDS)])
      .withWaitStrategy(engine.Wait.forHealthCheck())
      .withStartupTimeout(300_000)
      .start();
  } catch (err) {
    throw new Error(
      `the ${image} container did not become healthy: ${firstLine(err)}. ` +
        `Its output: docker logs of the last ${image} container.`,
    );
  }
  const stream = await container.logs();
  stream.on('data', (chunk: Buffer | string) => {
    for (const line of chunk.toString().split('\n')) {
      const m = /^\[lambda:([^\]]+)\]\s?(.*)$/.exec(line);
      if (m) logs.push(`${m[1]}: ${m[2]}`);
    }
  });
  const endpoint = `http://127.0.0.1:${container.getMappedPort(4566)}`;
  const stop = async () => {
    stream.destroy();
    await container.stop({ timeout: 5_000 });
  };
  try {
    return await connectTarget({
      name: 'container',
      aws: { endpoint, region: 'us-east-1' },
      env: {},
      stage: 'local',
      noAlarmEvaluation: process.env.E2E_REAL_LOAD
        ? undefined
        : 'real load needs three real minutes here and runs on E2E_TARGET=embedded in virtual time; set E2E_REAL_LOAD=1 to run it',
      noFastTime:
        'the 24-hour quota needs ten reshardings in real time; it runs on E2E_TARGET=embedded',
      reshardTimeoutMs: RESHARDING_SECONDS * 1000 * 15,
      lambdaLogs: () => logs,
      close: stop,
    });
  } catch (err) {
    await stop();
    throw err;
  }
}
