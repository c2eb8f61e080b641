import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import {
  clientConfig,
  createClients,
  DEFAULT_REGION,
  type AwsClients,
  type AwsTarget,
} from '../aws/clients.js';
import type { KitError } from '../kit/errors.js';
import { explain } from '../kit/errors.js';
import { findAutoscaler, type AutoscalerStack } from '../kit/stack.js';

/** Options every command accepts (set on the root program). */
export interface GlobalOptions {
  endpointUrl?: string;
  region?: string;
  profile?: string;
  stage?: string;
  json?: boolean;
}

/** Output sinks, so tests can capture what a command prints. */
export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
  isTTY: boolean;
}

export const processIo: Io = {
  out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
  err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
  isTTY: Boolean(process.stdout.isTTY),
};

/**
 * What a command runs against: endpoint and region as the AWS CLI resolves them (flag, then
 * AWS_ENDPOINT_URL / AWS_REGION, then us-east-1), and the stage, which defaults to `local` when an
 * endpoint is set (the emulator and LocalStack are deployed as stage local) and `dev` otherwise.
 */
export class Context {
  readonly target: AwsTarget & { region: string };
  readonly stage: string;
  readonly json: boolean;
  private clientsCache: AwsClients | undefined;
  private stackCache: AutoscalerStack | undefined;

  constructor(
    opts: GlobalOptions,
    readonly io: Io = processIo,
    readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    const endpoint = opts.endpointUrl ?? (env.AWS_ENDPOINT_URL || undefined);
    const region = opts.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? DEFAULT_REGION;
    this.target = { endpoint, region, profile: opts.profile ?? undefined };
    this.stage = opts.stage ?? (endpoint ? 'local' : 'dev');
    this.json = Boolean(opts.json);
  }

  get clients(): AwsClients {
    this.clientsCache ??= createClients(this.target, this.env);
    return this.clientsCache;
  }

  async autoscaler(): Promise<AutoscalerStack> {
    if (!this.stackCache) {
      const cf = new CloudFormationClient(clientConfig(this.target, this.env));
      try {
        this.stackCache = await findAutoscaler(cf, this.stage, this.target.region);
      } finally {
        cf.destroy();
      }
    }
    return this.stackCache;
  }

  /** Prints a result: JSON on stdout with --json, the human text otherwise. */
  print(human: string, value: unknown): void {
    this.io.out(this.json ? JSON.stringify(value, null, 2) : human);
  }

  fail(err: unknown): KitError {
    return explain(err, { endpoint: this.target.endpoint, region: this.target.region });
  }

  close(): void {
    if (!this.clientsCache) return;
    for (const client of Object.values(this.clientsCache)) client.destroy();
  }
}

/** Wraps a command's action: builds its Context, turns failures into one line and an exit code. */
export type Run = (
  action: (ctx: Context, ...args: never[]) => Promise<void>,
) => (...args: unknown[]) => Promise<void>;
