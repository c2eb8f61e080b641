import type * as Testcontainers from 'testcontainers';

export type DockerEngine = typeof Testcontainers & {
  client: Testcontainers.ContainerRuntimeClient;
};

/**
 * The Docker engine for the container targets, through Testcontainers. Containers are reached on
 * 127.0.0.1 only, and without Ryuk (its image would have to be pulled). Each failure names what is
 * actually missing: the engine, or the image.
 */
export async function dockerEngine(target: string): Promise<DockerEngine> {
  // Testcontainers reads these once, when it first connects.
  process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
  process.env.TESTCONTAINERS_HOST_OVERRIDE ??= '127.0.0.1';
  const tc = await import('testcontainers');
  try {
    return { ...tc, client: await tc.getContainerRuntimeClient() };
  } catch (err) {
    throw new Error(
      `E2E_TARGET=${target} needs a Docker engine, and none is reachable (${firstLine(err)}). ` +
        'Start one (dockerd, or Docker Desktop), or run E2E_TARGET=embedded npm run e2e, which needs no Docker.',
    );
  }
}

/**
 * Fails unless the image is already on this machine, so a test never makes the engine try a
 * registry (none is reachable in our CI). `pullAllowed` lets a developer's machine pull instead.
 */
export async function requireLocalImage(
  engine: DockerEngine,
  target: string,
  image: string,
  howToGetIt: string,
  pullAllowed = false,
): Promise<void> {
  const exists = await engine.client.image.exists(engine.ImageName.fromString(image));
  if (exists || pullAllowed) return;
  throw new Error(
    `E2E_TARGET=${target} needs the image ${image}, and the Docker engine does not have it (it is never pulled here). ${howToGetIt}`,
  );
}

export function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n')[0] ?? text;
}
