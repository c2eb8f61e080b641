import { z } from 'zod';
import type { FaultInjector } from './faults.js';
import { errorMessage } from '../aws/errors.js';
import { AwsError } from './protocol/errors.js';
import type { AwsRequest, AwsResponse, ServiceEndpoint } from './protocol/types.js';

export const CONTROL_PREFIX = '/_emulator/';
export const EMULATOR_ID = 'kinesis-autoscaler-emulator';

export interface ControlTarget {
  health(): Record<string, unknown>;
  readonly faults?: FaultInjector;
  deployPackage(input: {
    packageDir: string;
    stackName: string;
    region?: string;
  }): Promise<unknown>;
}

const deploySchema = z.object({
  packageDir: z.string().min(1),
  stackName: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9-]{0,127}$/, 'must be a CloudFormation stack name'),
  region: z.string().min(1).optional(),
});

const faultSchema = z.object({
  service: z.enum(['kinesis', 'cloudwatch', 'monitoring', 'dynamodb', 'sns', 'lambda']),
  /** How long the service fails, in ms of the emulator's clock; unset: until cleared. */
  durationMs: z.number().int().positive().optional(),
});

/**
 * The emulator's own endpoints, beside the AWS ones (as LocalStack has `/_localstack/health`):
 * `GET /_emulator/health` tells tools they are talking to this emulator, and
 * `POST /_emulator/deploy` applies a packaged template, which is how `kas deploy` deploys into an
 * emulator running in another process.
 */
export class ControlEndpoint implements ServiceEndpoint {
  readonly name = 'control';

  constructor(private readonly target: ControlTarget) {}

  accepts(req: AwsRequest): boolean {
    return req.path.startsWith(CONTROL_PREFIX);
  }

  async handle(req: AwsRequest): Promise<AwsResponse> {
    try {
      if (req.path === `${CONTROL_PREFIX}health` && req.method === 'GET') {
        return json(200, { emulator: EMULATOR_ID, ...this.target.health() });
      }
      if (req.path === `${CONTROL_PREFIX}deploy` && req.method === 'POST') {
        let body: unknown;
        try {
          body = JSON.parse(req.body.toString('utf8'));
        } catch {
          throw new AwsError('SerializationException', 'the deploy request body is not JSON');
        }
        const parsed = deploySchema.safeParse(body);
        if (!parsed.success) {
          const issue = parsed.error.issues[0];
          throw new AwsError(
            'ValidationError',
            `${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}`,
          );
        }
        const { region, ...rest } = parsed.data;
        return json(200, await this.target.deployPackage(region ? { ...rest, region } : rest));
      }
      if (req.path === `${CONTROL_PREFIX}faults` && this.target.faults) {
        return faultRequest(req, this.target.faults);
      }
      throw new AwsError('NotFound', `no emulator control endpoint ${req.method} ${req.path}`, 404);
    } catch (err) {
      const e =
        err instanceof AwsError ? err : new AwsError('DeployFailed', errorMessage(err), 400);
      return json(e.status, { __type: e.code, message: e.message });
    }
  }
}

/** Test hook: `POST {service, durationMs?}` makes a service fail, `DELETE` ends every fault. */
function faultRequest(req: AwsRequest, faults: FaultInjector): AwsResponse {
  if (req.method === 'DELETE') {
    faults.clear();
    return json(200, { faults: [] });
  }
  if (req.method === 'POST') {
    let body: unknown;
    try {
      body = JSON.parse(req.body.toString('utf8'));
    } catch {
      throw new AwsError('SerializationException', 'the fault request body is not JSON');
    }
    const parsed = faultSchema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new AwsError(
        'ValidationError',
        `${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}`,
      );
    }
    const { service, durationMs } = parsed.data;
    faults.inject(service, durationMs);
  }
  return json(200, { faults: faults.list() });
}

function json(status: number, body: unknown): AwsResponse {
  return { status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}
