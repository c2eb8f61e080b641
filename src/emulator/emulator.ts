import { errorMessage } from '../aws/errors.js';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { clientConfig } from '../aws/clients.js';
import { SystemClock, type Clock } from './clock.js';
import { S3Client } from '@aws-sdk/client-s3';
import type { AppliedStack, ApplyClients } from './cloudformation/apply.js';
import { StackEngine } from './cloudformation/engine.js';
import { CloudFormationModel } from './cloudformation/model.js';
import { CloudFormationEndpoint } from './cloudformation/protocol.js';
import {
  CloudWatchJsonEndpoint,
  CloudWatchModel,
  CloudWatchQueryEndpoint,
} from './cloudwatch/index.js';
import type { NotificationPublisher } from './contracts.js';
import { ControlEndpoint } from './control.js';
import { DynamoDbEndpoint } from './dynamodb/endpoint.js';
import { EcrEndpoint } from './ecr/protocol.js';
import { KinesisModel } from './kinesis/model.js';
import { KinesisEndpoint } from './kinesis/protocol.js';
import { LambdaModel, type LambdaModelOptions } from './lambda/model.js';
import { LambdaEndpoint } from './lambda/protocol.js';
import { FaultInjector } from './faults.js';
import { S3Model } from './s3/model.js';
import { S3Endpoint } from './s3/protocol.js';
import { ApiRateLimiter, type RateLimit } from './protocol/rate-limits.js';
import { EdgeServer } from './server.js';
import { SnsModel } from './sns/model.js';
import { SnsEndpoint } from './sns/protocol.js';
import { EventsModel } from './events/model.js';
import { EventsEndpoint } from './events/protocol.js';
import { SqsModel } from './sqs/model.js';
import { SqsJsonEndpoint, SqsQueryEndpoint } from './sqs/protocol.js';
import { StsEndpoint } from './sts/protocol.js';

export const DEFAULT_PORT = 4566;
export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_ACCOUNT = '000000000000';

export interface EmulatorOptions {
  /** Default 4566 as LocalStack; 0 picks a free port (tests). */
  port?: number;
  /** Default loopback: the emulator accepts any credentials, so it must not face a network. */
  host?: string;
  clock?: Clock;
  defaultRegion?: string;
  accountId?: string;
  /** How long UpdateShardCount keeps a stream UPDATING. */
  reshardingMs?: number;
  /** How long CreateStream keeps a stream CREATING. */
  creatingMs?: number;
  /**
   * Most record bytes Kinesis keeps per stream (oldest dropped first); default 128 MiB, or the
   * environment variable KAS_KINESIS_MAX_STREAM_BYTES.
   */
  kinesisMaxStreamBytes?: number;
  /** Where Lambda log lines go; default stdout with a `[lambda:<name>]` prefix. */
  onLambdaLog?: (functionName: string, line: string) => void;
  /**
   * AWS's per-account API rates for CloudWatch and Kinesis control-plane calls (default on, with
   * the figures in protocol/rate-limits.ts); `false` turns them off; `limits` replaces the
   * figures; `realTime: false` refills on the emulator's clock alone (exact counts in tests).
   */
  apiRateLimits?: boolean | { limits?: readonly RateLimit[]; realTime?: boolean };
  /**
   * Real time an oversized request body may keep arriving after its 413 answer before the
   * connection is cut (5 s). Cutting it with unread data resets it, which loses the answer on a
   * client too slow to read it first: tests that upload a large body give it longer.
   */
  bodyDiscardMs?: number;
  /** Receives every Lambda run's result (returned JSON or error type), for the simulator. */
  onLambdaResult?: LambdaModelOptions['onResult'];
}

function kinesisByteCap(option: number | undefined): { maxStreamBytes?: number } {
  const fromEnv = Number(process.env.KAS_KINESIS_MAX_STREAM_BYTES);
  const value = option ?? (Number.isFinite(fromEnv) && fromEnv > 0 ? fromEnv : undefined);
  return value === undefined ? {} : { maxStreamBytes: value };
}

/** The services of one region, wired to each other. */
export interface RegionServices {
  region: string;
  kinesis: KinesisModel;
  cloudwatch: CloudWatchModel;
  sns: SnsModel;
  lambda: LambdaModel;
  sqs: SqsModel;
  events: EventsModel;
}

export const SERVICE_NAMES = [
  'kinesis',
  'cloudwatch',
  'sns',
  'lambda',
  'dynamodb',
  'cloudformation',
  'sqs',
  'events',
  's3',
  'sts',
] as const;

/**
 * The embedded AWS emulator: one port, every service the autoscaler touches, all state driven by one
 * clock. Regions are created on first use, as AWS regions exist without being asked for.
 */
export class Emulator {
  readonly cloudformation: CloudFormationModel;
  /** Test hook: make a service's API fail for a while (also `POST /_emulator/faults`). */
  readonly faults: FaultInjector;
  /** Bucket names are global, as in S3, so one store serves every region. */
  readonly s3: S3Model;
  /** Runs CloudFormation stack operations against the emulator's own services. */
  readonly stacks: StackEngine;
  private readonly applyClients = new Map<string, ApplyClients>();
  private readonly regions = new Map<string, RegionServices>();
  private readonly dynamodb: DynamoDbEndpoint;
  private readonly server: EdgeServer;
  private address: { host: string; port: number; url: string } | undefined;

  private constructor(
    private readonly opts: Required<
      Pick<EmulatorOptions, 'clock' | 'defaultRegion' | 'accountId'>
    > &
      EmulatorOptions,
  ) {
    this.cloudformation = new CloudFormationModel(opts.clock);
    this.faults = new FaultInjector(() => opts.clock.now());
    this.s3 = new S3Model(opts.clock);
    this.stacks = new StackEngine({
      model: this.cloudformation,
      accountId: opts.accountId,
      clients: (region) => this.clientsFor(region),
      objects: this.s3,
    });
    this.dynamodb = new DynamoDbEndpoint({
      accountId: opts.accountId,
      defaultRegion: opts.defaultRegion,
    });
    const resolve = (region: string) => this.region(region);
    this.server = new EdgeServer({
      defaultRegion: opts.defaultRegion,
      accountId: opts.accountId,
      now: () => opts.clock.now(),
      faults: this.faults,
      ...(opts.bodyDiscardMs === undefined ? {} : { discardMs: opts.bodyDiscardMs }),
      rawEndpoints: [this.dynamodb],
      ...(opts.apiRateLimits === false
        ? {}
        : {
            rateLimiter: new ApiRateLimiter({
              clock: opts.clock,
              ...(typeof opts.apiRateLimits === 'object' ? opts.apiRateLimits : {}),
            }),
          }),
      endpoints: [
        new S3Endpoint(this.s3),
        new StsEndpoint(),
        new EcrEndpoint(),
        new KinesisEndpoint((r) => resolve(r).kinesis),
        new CloudWatchJsonEndpoint((r) => resolve(r).cloudwatch),
        new SqsJsonEndpoint((r) => resolve(r).sqs),
        new EventsEndpoint((r) => resolve(r).events),
        new SqsQueryEndpoint((r) => resolve(r).sqs),
        new CloudWatchQueryEndpoint((r) => resolve(r).cloudwatch),
        new SnsEndpoint((r) => resolve(r).sns),
        new LambdaEndpoint((r) => resolve(r).lambda),
        new CloudFormationEndpoint(this.cloudformation, this.stacks),
        new ControlEndpoint(this),
      ],
    });
  }

  static async start(options: EmulatorOptions = {}): Promise<Emulator> {
    const emulator = new Emulator({
      ...options,
      clock: options.clock ?? new SystemClock(),
      defaultRegion: options.defaultRegion ?? 'us-east-1',
      accountId: options.accountId ?? DEFAULT_ACCOUNT,
    });
    emulator.address = await emulator.server.listen(
      options.port ?? DEFAULT_PORT,
      options.host ?? DEFAULT_HOST,
    );
    return emulator;
  }

  get url(): string {
    if (!this.address) throw new Error('the emulator is not listening');
    return this.address.url;
  }

  get port(): number {
    return this.address?.port ?? 0;
  }

  get clock(): Clock {
    return this.opts.clock;
  }

  get accountId(): string {
    return this.opts.accountId;
  }

  get defaultRegion(): string {
    return this.opts.defaultRegion;
  }

  health(): Record<string, unknown> {
    return {
      services: [...SERVICE_NAMES],
      regions: [...this.regions.keys()],
      accountId: this.opts.accountId,
      time: new Date(this.opts.clock.now()).toISOString(),
      stacks: [...this.regions.keys(), this.opts.defaultRegion]
        .flatMap((r) => this.cloudformation.listStacks(r).map((s) => s.stackName))
        .filter((s, i, all) => all.indexOf(s) === i),
    };
  }

  region(region: string = this.opts.defaultRegion): RegionServices {
    let services = this.regions.get(region);
    if (services) return services;
    const { clock, accountId } = this.opts;
    // Alarm actions and SNS subscriptions name their target by ARN, which may be another region.
    const publisher: NotificationPublisher = {
      publish: (input) => this.region(regionOfArn(input.topicArn) ?? region).sns.publish(input),
    };
    const lambda = new LambdaModel({
      clock,
      region,
      accountId,
      baseEnvironment: {
        AWS_ENDPOINT_URL: this.url,
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
        AWS_REGION: region,
        AWS_DEFAULT_REGION: region,
      },
      ...(this.opts.onLambdaLog ? { onLog: this.opts.onLambdaLog } : {}),
      // Destinations are named by ARN and may live in another region.
      destinations: {
        queues: {
          sendToArn: (arn, body, attrs) =>
            this.region(regionOfArn(arn) ?? region).sqs.sendToArn(arn, body, attrs),
        },
        publisher,
        invoker: {
          invoke: (arn, payload, type) =>
            this.region(regionOfArn(arn) ?? region).lambda.invoke(arn, payload, type),
        },
      },
      ...(this.opts.onLambdaResult ? { onResult: this.opts.onLambdaResult } : {}),
    });
    const sns = new SnsModel({ clock, region, accountId, lambda: (r) => this.region(r).lambda });
    const cloudwatch = new CloudWatchModel({ clock, region, accountId, publisher });
    const kinesis = new KinesisModel({
      clock,
      region,
      accountId,
      metrics: cloudwatch,
      ...(this.opts.reshardingMs !== undefined ? { reshardingMs: this.opts.reshardingMs } : {}),
      ...(this.opts.creatingMs !== undefined ? { creatingMs: this.opts.creatingMs } : {}),
      ...kinesisByteCap(this.opts.kinesisMaxStreamBytes),
    });
    const sqs = new SqsModel({ clock, region, accountId, baseUrl: () => this.url });
    const byArn = (arn: string) => this.region(regionOfArn(arn) ?? region);
    const events = new EventsModel({
      clock,
      region,
      accountId,
      lambda: { invoke: (arn, payload, type) => byArn(arn).lambda.invoke(arn, payload, type) },
      queues: { sendToArn: (arn, body, attrs) => byArn(arn).sqs.sendToArn(arn, body, attrs) },
      publisher,
    });
    services = { region, kinesis, cloudwatch, sns, lambda, sqs, events };
    this.regions.set(region, services);
    return services;
  }

  /** SDK clients of this emulator, as CloudFormation is a client of the AWS services. */
  private clientsFor(region: string): ApplyClients {
    let clients = this.applyClients.get(region);
    if (!clients) {
      const config = clientConfig({ endpoint: this.url, region }, {});
      clients = {
        sns: new SNSClient(config),
        dynamodb: new DynamoDBClient(config),
        lambda: new LambdaClient(config),
        s3: new S3Client({ ...config, forcePathStyle: true }),
        sqs: new SQSClient(config),
        events: new EventBridgeClient(config),
      };
      this.applyClients.set(region, clients);
    }
    return clients;
  }

  /**
   * Deploys what `sls package` wrote into `packageDir` the way `sls deploy` does, through the
   * emulator's CloudFormation: a stack with the deployment bucket, the artifacts uploaded to it,
   * then an update to the full template, whose functions take their code from those objects.
   */
  async deployPackage(input: {
    packageDir: string;
    stackName: string;
    region?: string;
  }): Promise<AppliedStack> {
    const region = input.region ?? this.opts.defaultRegion;
    const read = (name: string) => readFile(join(input.packageDir, name), 'utf8');
    const capabilities = ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM'];
    const base = { region, stackName: input.stackName, capabilities };
    if (!this.cloudformation.getStack(region, input.stackName)) {
      this.stacks.createStack({
        ...base,
        templateBody: await read('cloudformation-template-create-stack.json'),
      });
      await this.stacks.settled();
      this.expectStatus(region, input.stackName, 'CREATE_COMPLETE');
    }
    const updateBody = await read('cloudformation-template-update-stack.json');
    const bucket = this.cloudformation
      .getStack(region, input.stackName)
      ?.resources.find((r) => r.type === 'AWS::S3::Bucket')?.physicalId;
    if (bucket) {
      for (const key of artifactKeys(updateBody)) {
        const file = await readFile(join(input.packageDir, key.split('/').pop()!));
        this.s3.putObject(bucket, key, file, { contentType: 'application/zip' });
      }
    }
    try {
      this.stacks.updateStack({ ...base, templateBody: updateBody });
    } catch (err) {
      if (!/No updates are to be performed/.test(errorMessage(err))) throw err;
    }
    await this.stacks.settled();
    const stack = this.expectStatus(region, input.stackName, 'UPDATE_COMPLETE');
    const outputs = stack.outputs;
    return {
      stackName: stack.stackName,
      stackId: stack.stackId,
      outputs: Object.fromEntries(outputs.map((o) => [o.key, o.value])),
      exports: Object.fromEntries(
        outputs.flatMap((o) => (o.exportName === undefined ? [] : [[o.exportName, o.value]])),
      ),
      resources: stack.resources.map((r) => ({
        logicalId: r.logicalId,
        type: r.type,
        physicalId: r.physicalId,
        status: r.status,
        ...(r.note !== undefined ? { note: r.note } : {}),
      })),
      outputDetails: outputs,
    };
  }

  private expectStatus(region: string, stackName: string, status: string) {
    const stack = this.cloudformation.findStack(region, stackName);
    if (stack?.status === status) return stack;
    const failure = stack?.events?.find((e) => e.status.endsWith('_FAILED'));
    throw new Error(
      `stack ${stackName} is ${stack?.status ?? 'missing'}` +
        (failure ? `: ${failure.logicalId} ${failure.status}: ${failure.reason ?? ''}` : '') +
        (stack?.statusReason ? ` (${stack.statusReason})` : ''),
    );
  }

  async stop(): Promise<void> {
    await this.server.close();
    for (const services of this.regions.values()) {
      services.kinesis.dispose();
      services.cloudwatch.dispose();
      services.events.dispose();
      await services.lambda.dispose();
    }
    this.regions.clear();
    for (const c of this.applyClients.values()) {
      for (const client of Object.values(c)) (client as { destroy(): void }).destroy();
    }
    await this.dynamodb.close();
  }
}

/** The S3 keys of the functions' code in a packaged template (`Code.S3Key`). */
function artifactKeys(templateBody: string): string[] {
  const template = JSON.parse(templateBody) as {
    Resources?: Record<string, { Type?: string; Properties?: { Code?: { S3Key?: unknown } } }>;
  };
  const keys = Object.values(template.Resources ?? {}).flatMap((r) =>
    r.Type === 'AWS::Lambda::Function' && typeof r.Properties?.Code?.S3Key === 'string'
      ? [r.Properties.Code.S3Key]
      : [],
  );
  return [...new Set(keys)];
}

export function regionOfArn(arn: string): string | undefined {
  const parts = arn.split(':');
  return parts.length >= 6 && parts[0] === 'arn' ? parts[3] || undefined : undefined;
}
