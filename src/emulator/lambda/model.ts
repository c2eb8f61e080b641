import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import JSZip from 'jszip';
import type { Clock, TimerHandle } from '../clock.js';
import type { InvocationResult, InvocationType, LambdaInvoker } from '../contracts.js';
import { AwsError } from '../protocol/errors.js';
import type { EnvironmentSpec, RunOutcome } from './environment.js';
import { EnvironmentPool } from './pool.js';

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
}

/** The fields CreateFunction accepts; types are checked here because they arrive as JSON. */
export interface CreateFunctionInput {
  FunctionName?: unknown;
  Runtime?: unknown;
  Role?: unknown;
  Handler?: unknown;
  Code?: unknown;
  Environment?: unknown;
  Timeout?: unknown;
  MemorySize?: unknown;
  Description?: unknown;
  PackageType?: unknown;
  Tags?: unknown;
}

export interface UpdateFunctionConfigurationInput {
  Runtime?: unknown;
  Role?: unknown;
  Handler?: unknown;
  Environment?: unknown;
  Timeout?: unknown;
  MemorySize?: unknown;
  Description?: unknown;
}

export interface FunctionConfiguration {
  FunctionName: string;
  FunctionArn: string;
  Runtime: string;
  Role: string;
  Handler: string;
  CodeSize: number;
  Description: string;
  Timeout: number;
  MemorySize: number;
  LastModified: string;
  CodeSha256: string;
  Version: string;
  Environment: { Variables: Record<string, string> };
  TracingConfig: { Mode: string };
  RevisionId: string;
  State: string;
  LastUpdateStatus: string;
  PackageType: string;
  Architectures: string[];
  EphemeralStorage: { Size: number };
}

export interface FunctionStats {
  /** Handler runs, retries included. */
  invocations: number;
  /** Runs that failed (threw, timed out, crashed or failed to initialise). */
  errors: number;
  /** Async retries run. */
  retries: number;
  timeouts: number;
  coldStarts: number;
}

export interface InvocationRecord {
  requestId: string;
  type: InvocationType;
  /** 0 for the first attempt of an async event, 1 and 2 for its retries. */
  attempt: number;
  /** Clock time the run started. */
  at: number;
  status: 'success' | 'error';
  errorType?: string;
}

/** One run as `onResult` reports it: the history record plus the handler's returned JSON. */
export interface InvocationRunResult extends InvocationRecord {
  /** The JSON text the handler returned (successful runs only). */
  payload?: string;
}

export interface DetailedInvocationResult extends InvocationResult {
  requestId: string;
  executedVersion: string;
  /** Base64 of the last 4 KB of this invocation's log, when asked for with `tail`. */
  logResult?: string;
}

/** Node.js runtimes the emulator can stand in for (it runs every function on its own Node). */
export const NODE_RUNTIMES = ['nodejs18.x', 'nodejs20.x', 'nodejs22.x', 'nodejs24.x'];

/** Lambda's async retry schedule: two retries, about one and then two minutes apart. */
export const ASYNC_RETRY_DELAYS_MS = [60_000, 120_000];

const NAME_RE = /^[a-zA-Z0-9_-]{1,64}$/;
const ROLE_RE = /^arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role\/?[a-zA-Z_0-9+=,.@\-/]+$/;
const ENV_KEY_RE = /^[a-zA-Z][a-zA-Z0-9_]+$/;
const FUNCTION_REF_RE =
  /^(?:(?:arn:aws[a-zA-Z-]*:lambda:([a-z0-9-]+):)?(\d{12}):function:)?([a-zA-Z0-9_-]{1,64})(?::(\$LATEST|[a-zA-Z0-9_-]+))?$/;
/** Keys the Lambda service sets itself and refuses in a function's configuration. */
const RESERVED_ENV_KEYS = new Set([
  '_HANDLER',
  '_X_AMZN_TRACE_ID',
  'AWS_DEFAULT_REGION',
  'AWS_REGION',
  'AWS_EXECUTION_ENV',
  'AWS_LAMBDA_FUNCTION_NAME',
  'AWS_LAMBDA_FUNCTION_MEMORY_SIZE',
  'AWS_LAMBDA_FUNCTION_VERSION',
  'AWS_LAMBDA_INITIALIZATION_TYPE',
  'AWS_LAMBDA_LOG_GROUP_NAME',
  'AWS_LAMBDA_LOG_STREAM_NAME',
  'AWS_ACCESS_KEY',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_LAMBDA_RUNTIME_API',
  'LAMBDA_TASK_ROOT',
  'LAMBDA_RUNTIME_DIR',
]);
const MAX_ZIP_BYTES = 50 * 1024 * 1024;
const MAX_SYNC_PAYLOAD = 6 * 1024 * 1024;
/** Raised from 256 KB to 1 MB in 2025. */
const MAX_ASYNC_PAYLOAD = 1024 * 1024;
const MAX_ENV_BYTES = 4 * 1024;
const TAIL_BYTES = 4 * 1024;

const invalidParameter = (message: string) =>
  new AwsError('InvalidParameterValueException', message, 400);
const validation = (field: string, value: unknown, constraint: string) =>
  new AwsError(
    'ValidationException',
    `1 validation error detected: Value '${String(value)}' at '${field}' failed to satisfy constraint: ${constraint}`,
    400,
  );

interface FunctionState {
  config: FunctionConfiguration;
  tags: Record<string, string>;
  codeDir: string;
  pool: EnvironmentPool;
  stats: FunctionStats;
  history: InvocationRecord[];
  logs: string[];
  deleted: boolean;
}

/**
 * Lambda for one region: functions are unpacked from their zips and run for real in worker
 * threads, each with its own environment variables.
 */
export class LambdaModel implements LambdaInvoker {
  private readonly functions = new Map<string, FunctionState>();
  private readonly retryTimers = new Set<TimerHandle>();
  private readonly workDir: string;
  private readonly ownsWorkDir: boolean;
  private readonly runnerUrl = new URL('./runner.mjs', import.meta.url);
  private readonly nodePath: string[];
  private disposed = false;

  constructor(private readonly opts: LambdaModelOptions) {
    this.ownsWorkDir = opts.workDir === undefined;
    this.workDir = opts.workDir ?? mkdtempSync(path.join(os.tmpdir(), 'emulator-lambda-'));
    this.nodePath = opts.nodePath ?? defaultNodePath(fileURLToPath(this.runnerUrl));
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
    if (input.PackageType !== undefined && input.PackageType !== 'Zip') {
      throw invalidParameter(
        'The embedded emulator runs .zip packages only; container images are not supported.',
      );
    }
    const runtime = checkRuntime(input.Runtime, true)!;
    const role = checkRole(input.Role, true)!;
    const handler = checkHandler(input.Handler, true)!;
    const variables = checkEnvironment(input.Environment) ?? {};
    const timeout = checkInt(input.Timeout, 'timeout', 1, 900) ?? 3;
    const memorySize = checkInt(input.MemorySize, 'memorySize', 128, 10240) ?? 128;
    const description = checkDescription(input.Description) ?? '';
    const tags = checkTags(input.Tags);
    const zip = zipFromCode(input.Code);
    const codeDir = await this.unpack(name, zip, handler);
    // Another create may have won while the zip was unpacking.
    if (this.functions.has(name)) {
      await fs.rm(codeDir, { recursive: true, force: true });
      throw new AwsError('ResourceConflictException', `Function already exist: ${name}`, 409);
    }
    const config: FunctionConfiguration = {
      FunctionName: name,
      FunctionArn: this.functionArn(name),
      Runtime: runtime,
      Role: role,
      Handler: handler,
      CodeSize: zip.length,
      Description: description,
      Timeout: timeout,
      MemorySize: memorySize,
      LastModified: this.lastModified(),
      CodeSha256: sha256(zip),
      Version: '$LATEST',
      Environment: { Variables: variables },
      TracingConfig: { Mode: 'PassThrough' },
      RevisionId: randomUUID(),
      State: 'Active',
      LastUpdateStatus: 'Successful',
      PackageType: 'Zip',
      Architectures: ['x86_64'],
      EphemeralStorage: { Size: 512 },
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
    const zip = zipFromCode({ ZipFile: input.ZipFile });
    const oldDir = fn.codeDir;
    fn.codeDir = await this.unpack(fn.config.FunctionName, zip, fn.config.Handler);
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
    const runtime = checkRuntime(input.Runtime, false);
    const role = checkRole(input.Role, false);
    const handler = checkHandler(input.Handler, false);
    const variables = checkEnvironment(input.Environment);
    const timeout = checkInt(input.Timeout, 'timeout', 1, 900);
    const memorySize = checkInt(input.MemorySize, 'memorySize', 128, 10240);
    const description = checkDescription(input.Description);
    if (handler !== undefined) await assertHandlerFile(fn.codeDir, handler);
    if (runtime !== undefined) fn.config.Runtime = runtime;
    if (role !== undefined) fn.config.Role = role;
    if (handler !== undefined) fn.config.Handler = handler;
    if (variables !== undefined) fn.config.Environment = { Variables: variables };
    if (timeout !== undefined) fn.config.Timeout = timeout;
    if (memorySize !== undefined) fn.config.MemorySize = memorySize;
    if (description !== undefined) fn.config.Description = description;
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
      void this.opts.clock.track(this.runAsync(fn, requestId, body, 0));
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
    for (const handle of this.retryTimers) this.opts.clock.clearTimer(handle);
    this.retryTimers.clear();
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

  private async runAsync(
    fn: FunctionState,
    requestId: string,
    payload: string,
    attempt: number,
  ): Promise<void> {
    if (fn.deleted) return;
    let outcome: RunOutcome;
    try {
      ({ outcome } = await this.execute(fn, requestId, payload, 'Event', attempt));
    } catch (err) {
      // Nobody awaits an async event, and a rejection would surface from the clock's advance():
      // the only way here is the function being deleted mid-flight, which ends the event.
      this.recordLog(fn, `Async event ${requestId} abandoned: ${String(err)}`);
      return;
    }
    const delay = ASYNC_RETRY_DELAYS_MS[attempt];
    if (outcome.ok || delay === undefined || fn.deleted || this.disposed) return;
    const handle = this.opts.clock.setTimeout(() => {
      this.retryTimers.delete(handle);
      return this.runAsync(fn, requestId, payload, attempt + 1);
    }, delay);
    this.retryTimers.add(handle);
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

  private async unpack(name: string, zipBytes: Buffer, handler: string): Promise<string> {
    let zip: JSZip;
    try {
      zip = await JSZip.loadAsync(zipBytes);
    } catch {
      throw invalidParameter(
        'Could not unzip uploaded file. Please check your file, then try to upload again.',
      );
    }
    const entries = Object.values(zip.files).map((entry) => ({
      entry,
      rel: path.posix.normalize(entry.name.replace(/\\/g, '/')).replace(/^(\.\/)+/, ''),
    }));
    for (const { rel } of entries) {
      // A zip entry must not write outside the function's directory.
      if (rel.startsWith('/') || rel === '..' || rel.startsWith('../')) {
        throw invalidParameter(`The zip file contains an entry outside its root: ${rel}`);
      }
    }
    const files = new Set(entries.filter((e) => !e.entry.dir).map((e) => e.rel));
    const modulePath = handler.slice(0, handler.lastIndexOf('.'));
    if (!['.js', '.mjs', '.cjs'].some((ext) => files.has(modulePath + ext))) {
      throw invalidParameter(
        `The handler ${handler} needs ${modulePath}.js, ${modulePath}.mjs or ${modulePath}.cjs at the root of the zip, which does not contain it`,
      );
    }
    const dir = await fs.mkdtemp(path.join(this.workDir, `${name}-`));
    for (const { entry, rel } of entries) {
      const dest = path.join(dir, rel);
      if (entry.dir) {
        await fs.mkdir(dest, { recursive: true });
      } else {
        await fs.mkdir(path.dirname(dest), { recursive: true });
        await fs.writeFile(dest, await entry.async('nodebuffer'));
      }
    }
    return dir;
  }

  private touch(fn: FunctionState): void {
    fn.config.LastModified = this.lastModified();
    fn.config.RevisionId = randomUUID();
  }

  private lastModified(): string {
    return new Date(this.opts.clock.now()).toISOString().replace('Z', '+0000');
  }
}

function checkRuntime(value: unknown, required: boolean): string | undefined {
  if (value === undefined && !required) return undefined;
  if (typeof value !== 'string' || value === '') {
    throw invalidParameter('The Runtime parameter is required for .zip packages.');
  }
  if (!NODE_RUNTIMES.includes(value)) {
    throw invalidParameter(
      `The runtime ${value} is not supported by the embedded emulator, which runs Node.js functions only (${NODE_RUNTIMES.join(', ')}).`,
    );
  }
  return value;
}

function checkRole(value: unknown, required: boolean): string | undefined {
  if (value === undefined && !required) return undefined;
  if (typeof value !== 'string' || !ROLE_RE.test(value)) {
    throw validation(
      'role',
      value,
      'Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+',
    );
  }
  return value;
}

function checkHandler(value: unknown, required: boolean): string | undefined {
  if (value === undefined && !required) return undefined;
  if (typeof value !== 'string' || value.length > 128 || /\s/.test(value) || value === '') {
    throw validation(
      'handler',
      value,
      'Member must satisfy regular expression pattern: [^\\s]+ and have length less than or equal to 128',
    );
  }
  const dot = value.lastIndexOf('.');
  if (dot <= 0 || dot === value.length - 1) {
    throw invalidParameter(
      `The handler ${value} must have the form file.export (for example index.handler).`,
    );
  }
  return value;
}

function checkEnvironment(value: unknown): Record<string, string> | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object') throw invalidParameter('Environment must be an object');
  const vars = (value as { Variables?: unknown }).Variables ?? {};
  if (typeof vars !== 'object' || vars === null || Array.isArray(vars)) {
    throw invalidParameter('Environment.Variables must be a map of strings');
  }
  const out: Record<string, string> = {};
  const reserved: string[] = [];
  for (const [k, v] of Object.entries(vars)) {
    if (!ENV_KEY_RE.test(k)) {
      throw validation(
        'environment.variables',
        k,
        'Member must satisfy regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+',
      );
    }
    if (typeof v !== 'string') throw invalidParameter(`Environment variable ${k} must be a string`);
    if (RESERVED_ENV_KEYS.has(k)) reserved.push(k);
    out[k] = v;
  }
  if (reserved.length > 0) {
    throw invalidParameter(
      `Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: ${reserved.join(', ')}`,
    );
  }
  if (Buffer.byteLength(JSON.stringify(out)) > MAX_ENV_BYTES) {
    throw invalidParameter(
      `Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit.`,
    );
  }
  return out;
}

function checkInt(value: unknown, field: string, min: number, max: number): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw validation(
      field,
      value,
      `Member must have value ${value !== undefined && Number(value) < min ? `greater than or equal to ${min}` : `less than or equal to ${max}`}`,
    );
  }
  return value;
}

function checkDescription(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value.length > 256) {
    throw validation('description', value, 'Member must have length less than or equal to 256');
  }
  return value;
}

function checkTags(value: unknown): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw invalidParameter('Tags must be a map of strings');
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) out[k] = String(v);
  return out;
}

function zipFromCode(code: unknown): Buffer {
  if (typeof code !== 'object' || code === null) {
    throw invalidParameter('Code is required and must contain ZipFile.');
  }
  const c = code as Record<string, unknown>;
  if (c.S3Bucket !== undefined || c.S3Key !== undefined || c.ImageUri !== undefined) {
    throw invalidParameter(
      'The embedded emulator accepts function code as Code.ZipFile only (no S3 or image sources).',
    );
  }
  const z = c.ZipFile;
  let bytes: Buffer | undefined;
  if (Buffer.isBuffer(z)) bytes = z;
  else if (z instanceof Uint8Array) bytes = Buffer.from(z);
  if (!bytes || bytes.length === 0) {
    throw invalidParameter('Code.ZipFile is required and must not be empty.');
  }
  if (bytes.length > MAX_ZIP_BYTES) {
    throw new AwsError(
      'RequestEntityTooLargeException',
      `Zipped file size (${bytes.length} bytes) exceeds the maximum of ${MAX_ZIP_BYTES} bytes`,
      413,
    );
  }
  return bytes;
}

async function assertHandlerFile(dir: string, handler: string): Promise<void> {
  const modulePath = handler.slice(0, handler.lastIndexOf('.'));
  for (const ext of ['.js', '.mjs', '.cjs']) {
    if (existsSync(path.join(dir, modulePath + ext))) return;
  }
  throw invalidParameter(
    `The handler ${handler} needs ${modulePath}.js, ${modulePath}.mjs or ${modulePath}.cjs in the function's code, which does not contain it`,
  );
}

function decodeMarker(marker: string): string {
  const name = Buffer.from(marker, 'base64').toString('utf8');
  if (!NAME_RE.test(name)) throw invalidParameter(`Invalid Marker: ${marker}`);
  return name;
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('base64');
}

function tailOf(lines: string[]): string {
  const text = Buffer.from(lines.map((l) => `${l}\n`).join(''));
  return text.subarray(Math.max(0, text.length - TAIL_BYTES)).toString('base64');
}

/** The nearest node_modules directories above `file`, nearest first. */
function defaultNodePath(file: string): string[] {
  const out: string[] = [];
  let dir = path.dirname(file);
  for (;;) {
    const candidate = path.join(dir, 'node_modules');
    if (existsSync(candidate)) out.push(candidate);
    const parent = path.dirname(dir);
    if (parent === dir) return out;
    dir = parent;
  }
}
