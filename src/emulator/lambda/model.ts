import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Clock } from '../clock.js';
import type { InvocationResult, InvocationType, LambdaInvoker } from '../contracts.js';
import { AwsError } from '../protocol/errors.js';
import type { DestinationTargets, EventInvokeConfig } from './async.js';
import { AsyncQueue } from './async-queue.js';
import type { EnvironmentSpec, RunOutcome } from './environment.js';
import { decodeMarker, defaultNodePath, sha256, tailOf, unpackZip } from './code.js';
import { EnvironmentPool } from './pool.js';
import type {
  CreateFunctionInput,
  DetailedInvocationResult,
  FunctionConfiguration,
  FunctionStats,
  InvocationRecord,
  InvocationRunResult,
  UpdateFunctionConfigurationInput,
} from './types.js';
import {
  assertHandlerFile,
  createFunctionSchema,
  invalidParameter,
  NAME_RE,
  parseLambdaInput,
  updateConfigurationSchema,
  validation,
  zipFileSchema,
} from './validation.js';

export { ASYNC_RETRY_DELAYS_MS } from './async.js';
export { NODE_RUNTIMES } from './validation.js';
export type * from './types.js';

export interface LambdaModelOptions {
  clock: Clock;
  region: string;
  accountId: string;
  /** Where function zips are unpacked; default a fresh directory under the OS temp dir. */
  workDir?: string;
  /** Merged into every function's environment (endpoint, region, dummy credentials). */
  baseEnvironment?: Record<string, string>;
  /** Execution environments per function before further events queue; default 4. */
  maxConcurrencyPerFunction?: number;
  /** Log lines kept per function for `recentLogs`; default 500. */
  logLinesKept?: number;
  /** Receives every log line; default writes `[lambda:<name>] line` to stdout. */
  onLog?: (functionName: string, line: string) => void;
  /**
   * Receives every run's result (what the handler returned, or its error type), so a caller such
   * as the simulator learns decisions from a typed value instead of parsing log text.
   */
  onResult?: (functionName: string, result: InvocationRunResult) => void;
  /**
   * Directories bare `require`s fall back to, standing in for the SDK the Node.js runtime ships
   * (bundles usually leave `@aws-sdk/*` external). Default: the node_modules holding this package.
   */
  nodePath?: string[];
  /** Where async invocation records and dead-letter messages are delivered. */
  destinations?: DestinationTargets;
}

const FUNCTION_REF_RE =
  /^(?:(?:arn:aws[a-zA-Z-]*:lambda:([a-z0-9-]+):)?(\d{12}):function:)?([a-zA-Z0-9_-]{1,64})(?::(\$LATEST|[a-zA-Z0-9_-]+))?$/;
const MAX_SYNC_PAYLOAD = 6 * 1024 * 1024;
/** Raised from 256 KB to 1 MB in 2025. */
const MAX_ASYNC_PAYLOAD = 1024 * 1024;

interface FunctionState {
  config: FunctionConfiguration;
  tags: Record<string, string>;
  codeDir: string;
  pool: EnvironmentPool;
  stats: FunctionStats;
  history: InvocationRecord[];
  logs: string[];
  deleted: boolean;
  eventInvokeConfig?: EventInvokeConfig;
}

/**
 * Lambda for one region: functions are unpacked from their zips and run for real in worker
 * threads, each with its own environment variables.
 */
export class LambdaModel implements LambdaInvoker {
  private readonly functions = new Map<string, FunctionState>();
  private readonly async: AsyncQueue<FunctionState>;
  private readonly workDir: string;
  private readonly ownsWorkDir: boolean;
  private readonly runnerUrl = new URL('./runner.mjs', import.meta.url);
  private readonly nodePath: string[];
  private disposed = false;

  constructor(private readonly opts: LambdaModelOptions) {
    this.ownsWorkDir = opts.workDir === undefined;
    this.workDir = opts.workDir ?? mkdtempSync(path.join(os.tmpdir(), 'emulator-lambda-'));
    this.nodePath = opts.nodePath ?? defaultNodePath(fileURLToPath(this.runnerUrl));
    this.async = new AsyncQueue({
      clock: opts.clock,
      destinations: opts.destinations ?? {},
      execute: (fn, requestId, payload, attempt) =>
        this.execute(fn, requestId, payload, 'Event', attempt),
      recordLog: (fn, line) => this.recordLog(fn, line),
    });
  }

  get region(): string {
    return this.opts.region;
  }

  functionArn(name: string): string {
    return `arn:aws:lambda:${this.opts.region}:${this.opts.accountId}:function:${name}`;
  }

  async createFunction(input: CreateFunctionInput): Promise<FunctionConfiguration> {
    const name = this.nameForCreate(input.FunctionName);
    if (this.functions.has(name)) {
      throw new AwsError('ResourceConflictException', `Function already exist: ${name}`, 409);
    }
    const valid = parseLambdaInput(createFunctionSchema, input);
    const handler = valid.Handler!;
    const tags = valid.Tags;
    const zip = valid.Code;
    const codeDir = await unpackZip(this.workDir, name, zip, handler);
    // Another create may have won while the zip was unpacking.
    if (this.functions.has(name)) {
      await fs.rm(codeDir, { recursive: true, force: true });
      throw new AwsError('ResourceConflictException', `Function already exist: ${name}`, 409);
    }
    const config: FunctionConfiguration = {
      FunctionName: name,
      FunctionArn: this.functionArn(name),
      Runtime: valid.Runtime!,
      Role: valid.Role!,
      Handler: handler,
      CodeSize: zip.length,
      Description: valid.Description ?? '',
      Timeout: valid.Timeout ?? 3,
      MemorySize: valid.MemorySize ?? 128,
      LastModified: this.lastModified(),
      CodeSha256: sha256(zip),
      Version: '$LATEST',
      Environment: { Variables: valid.Environment ?? {} },
      TracingConfig: { Mode: 'PassThrough' },
      RevisionId: randomUUID(),
      State: 'Active',
      LastUpdateStatus: 'Successful',
      PackageType: 'Zip',
      Architectures: valid.Architectures ?? ['x86_64'],
      EphemeralStorage: { Size: 512 },
      ...(valid.DeadLetterConfig ? { DeadLetterConfig: valid.DeadLetterConfig } : {}),
    };
    // The pool calls back into the state only once an event runs, after `state` exists.
    const pool = new EnvironmentPool(
      () => this.environmentSpec(state),
      this.opts.maxConcurrencyPerFunction ?? 4,
      (line) => this.recordLog(state, line),
    );
    const state: FunctionState = {
      config,
      tags,
      codeDir,
      stats: { invocations: 0, errors: 0, retries: 0, timeouts: 0, coldStarts: 0 },
      history: [],
      logs: [],
      deleted: false,
      pool,
    };
    this.functions.set(name, state);
    return structuredClone(config);
  }

  getFunction(nameOrArn: string): {
    Configuration: FunctionConfiguration;
    Code: { RepositoryType: string };
    Tags: Record<string, string>;
  } {
    const fn = this.find(nameOrArn);
    return {
      Configuration: structuredClone(fn.config),
      Code: { RepositoryType: 'S3' },
      Tags: { ...fn.tags },
    };
  }

  getFunctionConfiguration(nameOrArn: string): FunctionConfiguration {
    return structuredClone(this.find(nameOrArn).config);
  }

  /** Functions in name order; `marker` is the opaque token from the previous page. */
  listFunctions(
    marker?: string,
    maxItems = 50,
  ): { Functions: FunctionConfiguration[]; NextMarker?: string } {
    if (!Number.isInteger(maxItems) || maxItems < 1 || maxItems > 10_000) {
      throw validation('maxItems', maxItems, 'Member must have value between 1 and 10000');
    }
    const after = marker ? decodeMarker(marker) : '';
    const names = [...this.functions.keys()].sort().filter((n) => n > after);
    const page = names.slice(0, maxItems);
    const result: { Functions: FunctionConfiguration[]; NextMarker?: string } = {
      Functions: page.map((n) => structuredClone(this.functions.get(n)!.config)),
    };
    if (names.length > page.length) {
      result.NextMarker = Buffer.from(page[page.length - 1]!).toString('base64');
    }
    return result;
  }

  async deleteFunction(nameOrArn: string): Promise<void> {
    const fn = this.find(nameOrArn);
    fn.deleted = true;
    this.functions.delete(fn.config.FunctionName);
    await fn.pool.dispose(
      new AwsError(
        'ResourceNotFoundException',
        `Function ${fn.config.FunctionArn} was deleted while the invocation waited to run`,
        404,
      ),
    );
    await fs.rm(fn.codeDir, { recursive: true, force: true });
  }

  async updateFunctionCode(
    nameOrArn: string,
    input: { ZipFile?: unknown },
  ): Promise<FunctionConfiguration> {
    const fn = this.find(nameOrArn);
    const zip = parseLambdaInput(zipFileSchema, { Code: { ZipFile: input.ZipFile } }).Code;
    const oldDir = fn.codeDir;
    fn.codeDir = await unpackZip(this.workDir, fn.config.FunctionName, zip, fn.config.Handler);
    fn.config.CodeSize = zip.length;
    fn.config.CodeSha256 = sha256(zip);
    this.touch(fn);
    // Environments still running an event keep the old directory until they are retired.
    void fn.pool.retireAll().then(() => fs.rm(oldDir, { recursive: true, force: true }));
    return structuredClone(fn.config);
  }

  async updateFunctionConfiguration(
    nameOrArn: string,
    input: UpdateFunctionConfigurationInput,
  ): Promise<FunctionConfiguration> {
    const fn = this.find(nameOrArn);
    const valid = parseLambdaInput(updateConfigurationSchema, input);
    if (valid.Handler !== undefined) assertHandlerFile(fn.codeDir, valid.Handler);
    if (valid.Runtime !== undefined) fn.config.Runtime = valid.Runtime;
    if (valid.Role !== undefined) fn.config.Role = valid.Role;
    if (valid.Handler !== undefined) fn.config.Handler = valid.Handler;
    if (valid.Environment !== undefined) fn.config.Environment = { Variables: valid.Environment };
    if (valid.Timeout !== undefined) fn.config.Timeout = valid.Timeout;
    if (valid.MemorySize !== undefined) fn.config.MemorySize = valid.MemorySize;
    if (valid.Description !== undefined) fn.config.Description = valid.Description;
    if (valid.DeadLetterConfig !== undefined) {
      if (valid.DeadLetterConfig.TargetArn) fn.config.DeadLetterConfig = valid.DeadLetterConfig;
      else delete fn.config.DeadLetterConfig;
    }
    this.touch(fn);
    void fn.pool.retireAll();
    return structuredClone(fn.config);
  }

  invoke(
    functionNameOrArn: string,
    payload: string,
    type: InvocationType,
  ): Promise<InvocationResult> {
    return this.invokeDetailed(functionNameOrArn, payload, type);
  }

  async invokeDetailed(
    functionNameOrArn: string,
    payload: string,
    type: InvocationType,
    opts: { tail?: boolean; qualifier?: string } = {},
  ): Promise<DetailedInvocationResult> {
    const fn = this.find(functionNameOrArn, opts.qualifier);
    const body = payload.trim() === '' ? '{}' : payload;
    const limit = type === 'Event' ? MAX_ASYNC_PAYLOAD : MAX_SYNC_PAYLOAD;
    const size = Buffer.byteLength(body);
    if (size > limit) {
      throw new AwsError(
        'RequestTooLargeException',
        `Request must be smaller than ${limit} bytes for the ${type === 'Event' ? 'InvokeAsync' : 'Invoke'} operation`,
        413,
      );
    }
    try {
      JSON.parse(body);
    } catch (err) {
      throw new AwsError(
        'InvalidRequestContentException',
        `Could not parse request body into json: ${(err as Error).message}`,
        400,
      );
    }
    if (this.disposed)
      throw new AwsError('ServiceException', 'The Lambda emulator is shut down', 500);
    const requestId = randomUUID();
    if (type === 'Event') {
      this.async.enqueue(fn, requestId, body);
      return { statusCode: 202, payload: '', requestId, executedVersion: '$LATEST' };
    }
    const { outcome, logs } = await this.execute(fn, requestId, body, 'RequestResponse', 0);
    const result: DetailedInvocationResult = outcome.ok
      ? { statusCode: 200, payload: outcome.payload, requestId, executedVersion: '$LATEST' }
      : {
          statusCode: 200,
          payload: JSON.stringify(outcome.error),
          functionError: 'Unhandled',
          requestId,
          executedVersion: '$LATEST',
        };
    if (opts.tail) result.logResult = tailOf(logs);
    return result;
  }

  stats(nameOrArn: string): FunctionStats {
    return { ...this.find(nameOrArn).stats };
  }

  /** Every run of the function, oldest first (retries are separate entries). */
  history(nameOrArn: string): InvocationRecord[] {
    return this.find(nameOrArn).history.map((r) => ({ ...r }));
  }

  /** The function's most recent log lines (START/END/REPORT included), oldest first. */
  recentLogs(nameOrArn: string, lines?: number): string[] {
    const logs = this.find(nameOrArn).logs;
    return lines === undefined ? [...logs] : logs.slice(-lines);
  }

  /** Terminates every worker, cancels pending retries and removes the unpacked code. */
  async dispose(): Promise<void> {
    this.disposed = true;
    this.async.dispose();
    const fns = [...this.functions.values()];
    this.functions.clear();
    for (const fn of fns) fn.deleted = true;
    const stopped = new AwsError(
      'ServiceException',
      'The Lambda emulator stopped before the invocation could run',
      500,
    );
    await Promise.all(fns.map((fn) => fn.pool.dispose(stopped)));
    if (this.ownsWorkDir) rmSync(this.workDir, { recursive: true, force: true });
    else await Promise.all(fns.map((fn) => fs.rm(fn.codeDir, { recursive: true, force: true })));
  }

  /** PutFunctionEventInvokeConfig, or Update (`merge`) which keeps unnamed settings. */
  putEventInvokeConfig(
    nameOrArn: string,
    input: Record<string, unknown>,
    merge: boolean,
    qualifier?: string,
  ): EventInvokeConfig {
    return this.async.putConfig(this.find(nameOrArn, qualifier), input, merge);
  }

  getEventInvokeConfig(nameOrArn: string, qualifier?: string): EventInvokeConfig {
    return this.async.getConfig(this.find(nameOrArn, qualifier));
  }

  listEventInvokeConfigs(nameOrArn: string): { FunctionEventInvokeConfigs: EventInvokeConfig[] } {
    return this.async.listConfigs(this.find(nameOrArn));
  }

  deleteEventInvokeConfig(nameOrArn: string, qualifier?: string): void {
    this.async.deleteConfig(this.find(nameOrArn, qualifier));
  }

  private async execute(
    fn: FunctionState,
    requestId: string,
    payload: string,
    type: InvocationType,
    attempt: number,
  ): Promise<{ outcome: RunOutcome; logs: string[] }> {
    const record: InvocationRecord = {
      requestId,
      type,
      attempt,
      at: this.opts.clock.now(),
      status: 'success',
    };
    const logs: string[] = [];
    const env = await fn.pool.acquire();
    fn.stats.invocations++;
    if (attempt > 0) fn.stats.retries++;
    const cold = env.coldStartMs === undefined;
    if (cold) fn.stats.coldStarts++;
    env.collector = logs;
    this.recordLog(fn, `START RequestId: ${requestId} Version: $LATEST`, logs);
    const started = performance.now();
    let outcome: RunOutcome;
    try {
      outcome = await env.invoke(
        requestId,
        payload,
        fn.config.Timeout * 1000,
        fn.config.FunctionArn,
      );
    } finally {
      env.collector = undefined;
      fn.pool.release(env);
    }
    const duration = performance.now() - started;
    this.recordLog(fn, `END RequestId: ${requestId}`, logs);
    const init =
      cold && env.coldStartMs !== undefined
        ? `\tInit Duration: ${env.coldStartMs.toFixed(2)} ms`
        : '';
    this.recordLog(
      fn,
      `REPORT RequestId: ${requestId}\tDuration: ${duration.toFixed(2)} ms\tBilled Duration: ${Math.ceil(duration)} ms\tMemory Size: ${fn.config.MemorySize} MB${init}${outcome.ok ? '' : `\tStatus: ${outcome.kind === 'timeout' ? 'timeout' : 'error'}`}`,
      logs,
    );
    if (!outcome.ok) {
      fn.stats.errors++;
      if (outcome.kind === 'timeout') fn.stats.timeouts++;
      record.status = 'error';
      record.errorType = outcome.error.errorType;
    }
    fn.history.push(record);
    this.opts.onResult?.(fn.config.FunctionName, {
      ...record,
      ...(outcome.ok ? { payload: outcome.payload } : {}),
    });
    return { outcome, logs };
  }

  private recordLog(fn: FunctionState, line: string, collector?: string[]): void {
    collector?.push(line);
    fn.logs.push(line);
    const keep = this.opts.logLinesKept ?? 500;
    if (fn.logs.length > keep) fn.logs.splice(0, fn.logs.length - keep);
    if (this.opts.onLog) this.opts.onLog(fn.config.FunctionName, line);
    else process.stdout.write(`[lambda:${fn.config.FunctionName}] ${line}\n`);
  }

  private environmentSpec(fn: FunctionState): EnvironmentSpec {
    const c = fn.config;
    const day = new Date(this.opts.clock.now()).toISOString().slice(0, 10).replaceAll('-', '/');
    const logGroupName = `/aws/lambda/${c.FunctionName}`;
    const logStreamName = `${day}/[$LATEST]${randomBytes(16).toString('hex')}`;
    return {
      runnerUrl: this.runnerUrl,
      taskRoot: fn.codeDir,
      handler: c.Handler,
      functionName: c.FunctionName,
      functionArn: c.FunctionArn,
      memorySize: c.MemorySize,
      logGroupName,
      logStreamName,
      skippedWaits: this.opts.clock.skippedWaits,
      env: {
        PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
        LANG: 'en_US.UTF-8',
        TZ: ':UTC',
        NODE_PATH: this.nodePath.join(path.delimiter),
        ...this.opts.baseEnvironment,
        AWS_REGION: this.opts.region,
        AWS_DEFAULT_REGION: this.opts.region,
        AWS_EXECUTION_ENV: `AWS_Lambda_${c.Runtime}`,
        AWS_LAMBDA_FUNCTION_NAME: c.FunctionName,
        AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(c.MemorySize),
        AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
        AWS_LAMBDA_LOG_GROUP_NAME: logGroupName,
        AWS_LAMBDA_LOG_STREAM_NAME: logStreamName,
        LAMBDA_TASK_ROOT: fn.codeDir,
        _HANDLER: c.Handler,
        ...sdkWarningOff(c.Runtime),
        ...c.Environment.Variables,
      },
    };
  }

  private find(nameOrArn: string, qualifier?: string): FunctionState {
    const m = FUNCTION_REF_RE.exec(nameOrArn);
    if (!m) {
      throw validation(
        'functionName',
        nameOrArn,
        'Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?',
      );
    }
    const [, region, account, name, refQualifier] = m;
    const q = qualifier ?? refQualifier;
    const fn =
      (region === undefined || region === this.opts.region) &&
      (account === undefined || account === this.opts.accountId) &&
      (q === undefined || q === '$LATEST')
        ? this.functions.get(name!)
        : undefined;
    if (!fn) {
      const arn = `arn:aws:lambda:${region ?? this.opts.region}:${account ?? this.opts.accountId}:function:${name}${q ? `:${q}` : ''}`;
      throw new AwsError('ResourceNotFoundException', `Function not found: ${arn}`, 404);
    }
    return fn;
  }

  private nameForCreate(value: unknown): string {
    if (typeof value !== 'string' || value === '') {
      throw validation('functionName', value, 'Member must not be null');
    }
    const m = FUNCTION_REF_RE.exec(value);
    if (!m || m[4] !== undefined || !NAME_RE.test(m[3]!)) {
      throw validation(
        'functionName',
        value,
        'Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_]+)',
      );
    }
    if ((m[1] && m[1] !== this.opts.region) || (m[2] && m[2] !== this.opts.accountId)) {
      throw invalidParameter(
        `The function ARN ${value} does not belong to region ${this.opts.region} and account ${this.opts.accountId}`,
      );
    }
    return m[3]!;
  }

  private touch(fn: FunctionState): void {
    fn.config.LastModified = this.lastModified();
    fn.config.RevisionId = randomUUID();
  }

  private lastModified(): string {
    return new Date(this.opts.clock.now()).toISOString().replace('Z', '+0000');
  }
}

/**
 * Functions run on the emulator's own Node, which may be older than their runtime: the AWS SDK
 * would then warn about a Node version the real runtime does not have, on every cold start.
 */
function sdkWarningOff(runtime: string): Record<string, string> {
  const declared = Number(/^nodejs(\d+)/.exec(runtime)?.[1]);
  const host = Number(process.versions.node.split('.')[0]);
  return declared > host ? { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' } : {};
}
