import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import {
  CreateFunctionCommand,
  DeleteFunctionCommand,
  GetFunctionCommand,
  InvokeCommand,
  LambdaClient,
  ListFunctionsCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { clientConfig } from '../../aws/clients.js';
import { ManualClock } from '../clock.js';
import { EdgeServer } from '../server.js';
import { LambdaModel } from './model.js';
import { LambdaEndpoint } from './protocol.js';
import {
  buildZip,
  ENV_READER_JS,
  ESM_HANDLER_MJS,
  HANG_JS,
  RACER_JS,
  RECORDER_JS,
  SLEEPER_JS,
  THROWER_JS,
} from './test-support.js';

const ROLE = 'arn:aws:iam::000000000000:role/lambda-role';
const decode = (bytes: Uint8Array | undefined) => Buffer.from(bytes ?? []).toString('utf8');

describe('Lambda emulator through @aws-sdk/client-lambda', () => {
  let clock: ManualClock;
  let model: LambdaModel;
  let server: EdgeServer;
  let client: LambdaClient;
  let tmp: string;

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lambda-test-'));
  });
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  beforeEach(async () => {
    clock = new ManualClock();
    model = new LambdaModel({
      clock,
      region: 'us-east-1',
      accountId: '000000000000',
      baseEnvironment: { AWS_ENDPOINT_URL: 'http://127.0.0.1:4566' },
      onLog: () => undefined,
    });
    server = new EdgeServer({
      endpoints: [new LambdaEndpoint(() => model)],
      defaultRegion: 'us-east-1',
      accountId: '000000000000',
    });
    const { url } = await server.listen(0);
    client = new LambdaClient(clientConfig({ endpoint: url, region: 'us-east-1' }, {}));
  });

  afterEach(async () => {
    client.destroy();
    await server.close();
    await model.dispose();
  });

  async function create(
    name: string,
    files: Record<string, string>,
    extra: Partial<{ Handler: string; Variables: Record<string, string>; Timeout: number }> = {},
  ) {
    return client.send(
      new CreateFunctionCommand({
        FunctionName: name,
        Runtime: 'nodejs20.x',
        Role: ROLE,
        Handler: extra.Handler ?? 'index.handler',
        Code: { ZipFile: await buildZip(files) },
        Environment: { Variables: extra.Variables ?? {} },
        Timeout: extra.Timeout ?? 3,
      }),
    );
  }

  it('creates, lists, gets and invokes a function synchronously with a realistic context', async () => {
    const record = path.join(tmp, 'sync.jsonl');
    const created = await create(
      'recorder',
      { 'index.js': RECORDER_JS },
      { Variables: { RECORD_FILE: record } },
    );
    expect(created.FunctionArn).toBe('arn:aws:lambda:us-east-1:000000000000:function:recorder');
    expect(created.State).toBe('Active');
    expect(created.CodeSha256).toMatch(/^[A-Za-z0-9+/]{43}=$/);

    const list = await client.send(new ListFunctionsCommand({}));
    expect(list.Functions?.map((f) => f.FunctionName)).toEqual(['recorder']);
    const got = await client.send(new GetFunctionCommand({ FunctionName: 'recorder' }));
    expect(got.Configuration?.Environment?.Variables).toEqual({ RECORD_FILE: record });

    const out = await client.send(
      new InvokeCommand({
        FunctionName: 'recorder',
        Payload: Buffer.from(JSON.stringify({ hello: 'world' })),
        LogType: 'Tail',
      }),
    );
    expect(out.StatusCode).toBe(200);
    expect(out.FunctionError).toBeUndefined();
    expect(out.ExecutedVersion).toBe('$LATEST');
    expect(JSON.parse(decode(out.Payload))).toEqual({ ok: true, echo: { hello: 'world' } });
    const tail = Buffer.from(out.LogResult ?? '', 'base64').toString('utf8');
    expect(tail).toMatch(/^START RequestId: [0-9a-f-]{36} Version: \$LATEST/);
    expect(tail).toMatch(/\tINFO\treceived 17 bytes/);
    expect(tail).toContain('REPORT RequestId:');

    const [line] = fs.readFileSync(record, 'utf8').trim().split('\n');
    const seen = JSON.parse(line!);
    expect(seen.event).toEqual({ hello: 'world' });
    expect(seen.context).toMatchObject({
      functionName: 'recorder',
      invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:recorder',
      memoryLimitInMB: '128',
      logGroupName: '/aws/lambda/recorder',
    });
    expect(seen.context.awsRequestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(seen.context.logStreamName).toMatch(/^2026\/01\/01\/\[\$LATEST\][0-9a-f]{32}$/);
    expect(seen.context.remaining).toBeGreaterThan(0);
    expect(seen.context.remaining).toBeLessThanOrEqual(3000);
    expect(model.recentLogs('recorder').some((l) => l.includes('received 17 bytes'))).toBe(true);
  });

  it('gives each function its own environment and keeps a warm worker between invocations', async () => {
    await create('red', { 'index.js': ENV_READER_JS }, { Variables: { COLOR: 'red' } });
    await create('blue', { 'index.js': ENV_READER_JS }, { Variables: { COLOR: 'blue' } });
    const call = async (name: string) =>
      JSON.parse(decode((await client.send(new InvokeCommand({ FunctionName: name }))).Payload));

    expect(await call('red')).toEqual({
      name: 'red',
      region: 'us-east-1',
      color: 'red',
      endpoint: 'http://127.0.0.1:4566',
      calls: 1,
    });
    expect(await call('blue')).toMatchObject({ name: 'blue', color: 'blue', calls: 1 });
    expect(await call('red')).toMatchObject({ color: 'red', calls: 2 });
    expect(model.stats('red')).toMatchObject({ invocations: 2, coldStarts: 1, errors: 0 });

    // A configuration change replaces the warm environment, as on Lambda.
    await client.send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: 'red',
        Environment: { Variables: { COLOR: 'green' } },
      }),
    );
    expect(await call('red')).toMatchObject({ color: 'green', calls: 1 });
  });

  it('runs concurrent invocations of one function in separate environments', async () => {
    await create('conc', { 'index.js': ENV_READER_JS });
    const results = await Promise.all(
      [1, 2, 3].map(() => model.invoke('conc', '{}', 'RequestResponse')),
    );
    expect(results.map((r) => JSON.parse(r.payload).calls)).toEqual([1, 1, 1]);
    expect(model.stats('conc').coldStarts).toBe(3);
  });

  it('loads .mjs handlers with import()', async () => {
    await create('esm', { 'app.mjs': ESM_HANDLER_MJS }, { Handler: 'app.handler' });
    const out = await model.invoke('esm', '{"n":1}', 'RequestResponse');
    expect(JSON.parse(out.payload)).toEqual({ esm: true, got: { n: 1 } });
  });

  it('reports a handler error as Lambda does', async () => {
    await create('thrower', { 'index.js': THROWER_JS });
    const out = await client.send(new InvokeCommand({ FunctionName: 'thrower' }));
    expect(out.StatusCode).toBe(200);
    expect(out.FunctionError).toBe('Unhandled');
    const payload = JSON.parse(decode(out.Payload));
    expect(payload).toMatchObject({ errorType: 'TypeError', errorMessage: 'boom' });
    expect(payload.trace[0]).toBe('TypeError: boom');
    const logs = model.recentLogs('thrower');
    expect(logs.some((l) => /\tERROR\tabout to fail$/.test(l))).toBe(true);
    expect(logs.some((l) => l.includes('Invoke Error'))).toBe(true);
    expect(model.stats('thrower')).toMatchObject({ invocations: 1, errors: 1 });
  });

  it('terminates a handler that runs past its timeout and starts a fresh environment', async () => {
    await create('hang', { 'index.js': HANG_JS }, { Timeout: 1 });
    const out = await client.send(new InvokeCommand({ FunctionName: 'hang' }));
    expect(out.FunctionError).toBe('Unhandled');
    expect(JSON.parse(decode(out.Payload))).toMatchObject({
      errorType: 'Sandbox.Timedout',
      errorMessage: expect.stringContaining('Task timed out after 1.00 seconds'),
    });
    expect(model.stats('hang')).toMatchObject({ timeouts: 1, errors: 1 });
    expect(
      model.recentLogs('hang').some((l) => l.includes('Task timed out after 1.00 seconds')),
    ).toBe(true);
    // New code on the same function runs in a new environment; the killed one is gone.
    await client.send(
      new UpdateFunctionCodeCommand({
        FunctionName: 'hang',
        ZipFile: await buildZip({ 'index.js': ENV_READER_JS }),
      }),
    );
    const again = await model.invoke('hang', '{}', 'RequestResponse');
    expect(JSON.parse(again.payload)).toMatchObject({ name: 'hang', calls: 1 });
  });

  it('skips waits a handler spends idle under a virtual clock, counting them against its timeout', async () => {
    await create('sleeper', { 'index.js': SLEEPER_JS }, { Timeout: 60 });
    const slept = await model.invoke('sleeper', '{"ms":20000}', 'RequestResponse');
    const { before, after } = JSON.parse(slept.payload) as { before: number; after: number };
    expect(before - after).toBeGreaterThanOrEqual(19_000);
    expect(clock.skippedWaits.totalMs).toBeGreaterThanOrEqual(19_000);
    expect(clock.skippedWaits.totalMs).toBeLessThanOrEqual(20_000);
    // A wait past the timeout times the event out at once, as the wait would have.
    const out = await model.invoke('sleeper', '{"ms":120000}', 'RequestResponse');
    expect(out.functionError).toBe('Unhandled');
    expect(JSON.parse(out.payload)).toMatchObject({
      errorType: 'Sandbox.Timedout',
      errorMessage: expect.stringContaining('Task timed out after 60.00 seconds'),
    });
  });

  it('never skips a wait while the handler has a request in flight', async () => {
    // The answer comes after a real delay, well inside the handler's guard timer.
    const slow = http.createServer((_req, res) => void setTimeout(() => res.end('ok'), 200));
    await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
    const { port } = slow.address() as { port: number };
    try {
      await create('racer', { 'index.js': RACER_JS }, { Timeout: 900 });
      const event = JSON.stringify({ url: `http://127.0.0.1:${port}/`, guardMs: 600_000 });
      const out = await model.invoke('racer', event, 'RequestResponse');
      expect(JSON.parse(out.payload)).toBe('response');
      expect(clock.skippedWaits.totalMs).toBe(0);
    } finally {
      await new Promise((resolve) => slow.close(resolve));
    }
  });

  it('reports a crashed runtime and a failing init, then recovers with a fresh environment', async () => {
    await create('exits', {
      'index.js': `let n = 0;
exports.handler = async (event) => { n++; if (event.exit) process.exit(3); return n; };`,
    });
    const crashed = await model.invoke('exits', '{"exit":true}', 'RequestResponse');
    expect(crashed.functionError).toBe('Unhandled');
    expect(JSON.parse(crashed.payload)).toMatchObject({
      errorType: 'Runtime.ExitError',
      errorMessage: expect.stringContaining('exit status 3'),
    });
    expect((await model.invoke('exits', '{}', 'RequestResponse')).payload).toBe('1');

    await create('badinit', { 'index.js': `throw new Error('cannot start');` });
    const init = await model.invoke('badinit', '{}', 'RequestResponse');
    expect(init.functionError).toBe('Unhandled');
    expect(JSON.parse(init.payload)).toMatchObject({
      errorType: 'Error',
      errorMessage: 'cannot start',
    });

    await create('noexport', { 'index.js': 'exports.other = () => 1;' });
    const missing = await model.invoke('noexport', '{}', 'RequestResponse');
    expect(JSON.parse(missing.payload)).toMatchObject({ errorType: 'Runtime.HandlerNotFound' });
  });

  it('supports callback-style handlers', async () => {
    await create('cb', {
      'index.js':
        'exports.handler = (event, context, callback) => callback(null, { got: event.v });',
    });
    expect(JSON.parse((await model.invoke('cb', '{"v":7}', 'RequestResponse')).payload)).toEqual({
      got: 7,
    });
  });

  it('accepts async invocations at once and runs them on the clock', async () => {
    const record = path.join(tmp, 'async.jsonl');
    await create('async', { 'index.js': RECORDER_JS }, { Variables: { RECORD_FILE: record } });
    const out = await client.send(
      new InvokeCommand({
        FunctionName: 'async',
        InvocationType: 'Event',
        Payload: Buffer.from('{"a":1}'),
      }),
    );
    expect(out.StatusCode).toBe(202);
    await clock.settle();
    expect(JSON.parse(fs.readFileSync(record, 'utf8').trim()).event).toEqual({ a: 1 });
    expect(model.stats('async')).toMatchObject({ invocations: 1, errors: 0, retries: 0 });
    expect(clock.pendingTimers).toBe(0);
  });

  it('retries a failed async invocation twice, after 60 s and 120 s of clock time', async () => {
    await create('flaky', { 'index.js': THROWER_JS });
    const start = clock.now();
    const out = await client.send(
      new InvokeCommand({ FunctionName: 'flaky', InvocationType: 'Event' }),
    );
    expect(out.StatusCode).toBe(202);
    await clock.settle();
    expect(model.history('flaky').map((r) => r.at - start)).toEqual([0]);

    await clock.advance(59_999);
    expect(model.history('flaky')).toHaveLength(1);
    await clock.advance(1);
    expect(model.history('flaky').map((r) => r.at - start)).toEqual([0, 60_000]);

    await clock.advance(119_999);
    expect(model.history('flaky')).toHaveLength(2);
    await clock.advance(1);
    const history = model.history('flaky');
    expect(history.map((r) => [r.at - start, r.attempt, r.status])).toEqual([
      [0, 0, 'error'],
      [60_000, 1, 'error'],
      [180_000, 2, 'error'],
    ]);
    expect(new Set(history.map((r) => r.requestId)).size).toBe(1);

    await clock.advance(3_600_000);
    expect(model.history('flaky')).toHaveLength(3);
    expect(model.stats('flaky')).toMatchObject({ invocations: 3, errors: 3, retries: 2 });
    expect(clock.pendingTimers).toBe(0);
  });

  it('validates CreateFunction as Lambda does and refuses non-Node runtimes', async () => {
    const zip = await buildZip({ 'index.js': ENV_READER_JS });
    const attempt = (over: Record<string, unknown>) =>
      client
        .send(
          new CreateFunctionCommand({
            FunctionName: 'f',
            Runtime: 'nodejs20.x',
            Role: ROLE,
            Handler: 'index.handler',
            Code: { ZipFile: zip },
            ...over,
          }),
        )
        .then(
          () => undefined,
          (err: Error) => ({ name: err.name, message: err.message }),
        );

    expect(await attempt({ Runtime: 'python3.12' })).toEqual({
      name: 'InvalidParameterValueException',
      message: expect.stringContaining('runs Node.js functions only'),
    });
    expect(await attempt({ Handler: 'index' })).toMatchObject({
      name: 'InvalidParameterValueException',
      message: expect.stringContaining('file.export'),
    });
    expect(await attempt({ Handler: 'main.handler' })).toMatchObject({
      name: 'InvalidParameterValueException',
      message: expect.stringContaining('main.js'),
    });
    expect(await attempt({ Code: { ZipFile: Buffer.from('not a zip') } })).toMatchObject({
      name: 'InvalidParameterValueException',
      message: expect.stringContaining('Could not unzip'),
    });
    expect(await attempt({ FunctionName: 'bad name!' })).toMatchObject({
      name: 'ValidationException',
    });
    expect(await attempt({ Role: 'not-a-role' })).toMatchObject({ name: 'ValidationException' });
    expect(
      await attempt({ Environment: { Variables: { AWS_REGION: 'eu-west-1' } } }),
    ).toMatchObject({
      name: 'InvalidParameterValueException',
      message: expect.stringContaining('Reserved keys used in this request: AWS_REGION'),
    });
    expect(await attempt({})).toBeUndefined();
    expect(await attempt({})).toMatchObject({
      name: 'ResourceConflictException',
      message: 'Function already exist: f',
    });
  });

  it('reports unknown and deleted functions with the function ARN', async () => {
    const err = await client
      .send(new InvokeCommand({ FunctionName: 'nope' }))
      .catch((e: Error & { $metadata?: { httpStatusCode?: number } }) => e);
    expect(err).toMatchObject({
      name: 'ResourceNotFoundException',
      message: 'Function not found: arn:aws:lambda:us-east-1:000000000000:function:nope',
    });
    expect((err as { $metadata: { httpStatusCode: number } }).$metadata.httpStatusCode).toBe(404);

    await create('gone', { 'index.js': ENV_READER_JS });
    await model.invoke(
      'arn:aws:lambda:us-east-1:000000000000:function:gone',
      '{}',
      'RequestResponse',
    );
    await client.send(new DeleteFunctionCommand({ FunctionName: 'gone' }));
    await expect(
      client.send(new GetFunctionCommand({ FunctionName: 'gone' })),
    ).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    await expect(model.invoke('gone', '{}', 'Event')).rejects.toMatchObject({
      code: 'ResourceNotFoundException',
    });
  });

  it('does not log the SDK warning about the emulator host Node the runtime would not have', async () => {
    // #10: every function's first log line was the SDK's Node version warning.
    await client.send(
      new CreateFunctionCommand({
        FunctionName: 'sdk-user',
        Runtime: 'nodejs24.x',
        Role: ROLE,
        Handler: 'index.handler',
        Code: {
          ZipFile: await buildZip({
            'index.js': `const { emitWarningIfUnsupportedVersion } = require('@aws-sdk/core/client');
exports.handler = async () => { emitWarningIfUnsupportedVersion('v18.0.0'); return 'ok'; };`,
          }),
        },
      }),
    );
    await model.invoke('sdk-user', '{}', 'RequestResponse');
    await new Promise((resolve) => setImmediate(resolve));
    expect(model.recentLogs('sdk-user').join('\n')).not.toContain('NodeVersionSupportWarning');
  });

  it('refuses a payload that is not JSON', async () => {
    await create('json', { 'index.js': ENV_READER_JS });
    await expect(
      client.send(new InvokeCommand({ FunctionName: 'json', Payload: Buffer.from('{oops') })),
    ).rejects.toMatchObject({ name: 'InvalidRequestContentException' });
  });
});
