import { TARGETS, type E2ETarget, type TargetName } from './targets/types.js';

export { TARGETS, type E2ETarget, type TargetName } from './targets/types.js';

export function chosenTarget(env: NodeJS.ProcessEnv = process.env): TargetName {
  const name = env.E2E_TARGET ?? 'embedded';
  if (!(TARGETS as readonly string[]).includes(name)) {
    throw new Error(`E2E_TARGET=${name} is not a target; use one of ${TARGETS.join(', ')}`);
  }
  return name as TargetName;
}

export async function openTarget(name: TargetName): Promise<E2ETarget> {
  switch (name) {
    case 'embedded':
      return (await import('./targets/embedded.js')).openEmbedded();
    case 'endpoint':
      return (await import('./targets/endpoint.js')).openEndpoint(
        process.env.AWS_ENDPOINT_URL || 'http://localhost:4566',
      );
    case 'container':
      return (await import('./targets/container.js')).openContainer();
    case 'localstack':
      return (await import('./targets/localstack.js')).openLocalStack();
    case 'aws':
      return (await import('./targets/aws.js')).openAws();
  }
}
