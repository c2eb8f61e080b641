import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Io } from '../../src/cli/context.js';
import { runCli } from '../../src/cli/program.js';
import { ManualClock } from '../../src/emulator/clock.js';
import { Emulator } from '../../src/emulator/emulator.js';
import { plural } from '../../src/kit/text.js';

/**
 * What a new user hit (issue #10), against the embedded emulator. The stack is the packaged
 * template's topics, log table and their outputs: what these commands read, without packaging.
 */
let clock: ManualClock;
let emulator: Emulator;
let packageDir: string;

beforeAll(async () => {
  const fixture = JSON.parse(
    await readFile(
      join(
        import.meta.dirname,
        '../../src/emulator/cloudformation/fixtures/cloudformation-template-update-stack.json',
      ),
      'utf8',
    ),
  ) as { Resources: Record<string, unknown>; Outputs: Record<string, unknown> };
  const keep = ['ScaleUpTopic', 'ScaleDownTopic', 'ScalingLogsTable'];
  const template = {
    Resources: Object.fromEntries(keep.map((k) => [k, fixture.Resources[k]])),
    Outputs: Object.fromEntries(
      ['ScaleUpTopicArn', 'ScaleDownTopicArn', 'ScalingLogTableName']
        .filter((k) => fixture.Outputs[k])
        .map((k) => [k, fixture.Outputs[k]]),
    ),
  };
  packageDir = await mkdtemp(join(tmpdir(), 'kas-rough-'));
  await writeFile(
    join(packageDir, 'cloudformation-template-update-stack.json'),
    JSON.stringify(template),
  );
  clock = new ManualClock(Date.UTC(2026, 2, 2, 9, 0, 0));
  emulator = await Emulator.start({ port: 0, clock, reshardingMs: 30_000 });
  await emulator.deployPackage({ packageDir, stackName: 'kinesis-autoscaler-local' });
});

afterAll(async () => {
  await emulator?.stop();
  if (packageDir) await rm(packageDir, { recursive: true, force: true });
});

async function kas(args: string[], env: NodeJS.ProcessEnv = { AWS_ENDPOINT_URL: emulator.url }) {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (s) => out.push(s), err: (s) => err.push(s), isTTY: false };
  const code = await runCli(args, io, { AWS_EC2_METADATA_DISABLED: 'true', ...env });
  return { code, stdout: out.join('\n'), stderr: err.join(''), outputs: out };
}

describe('rough edges of the kas CLI', () => {
  it('fails at once when waiting for a stream that does not exist', async () => {
    const before = clock.now();
    const r = await kas(['wait', 'ghost', '--shards', '2', '--timeout', '300']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: stream ghost does not exist/);
    expect(clock.now()).toBe(before);
  });

  it('exits non-zero for the scaling log of an unknown stream', async () => {
    const r = await kas(['logs', 'ghost']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/stream ghost does not exist/);
  });

  it('prints an empty log for an existing stream that never scaled', async () => {
    expect((await kas(['create-stream', 'quiet', '--shards', '1', '--no-wait'])).code).toBe(0);
    const r = await kas(['logs', 'quiet']);
    expect(r).toMatchObject({ code: 0, stdout: 'no scaling log entries for quiet' });
  });

  it('creates an on-demand stream without --shards, and refuses --shards with it', async () => {
    let r = await kas(['create-stream', 'od', '--on-demand', '--no-wait', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ stream: 'od', mode: 'ON_DEMAND', shards: null });
    r = await kas(['create-stream', 'od2', '--on-demand', '--shards', '3']);
    expect(r).toMatchObject({ code: 2, stderr: expect.stringMatching(/drop --shards/) });
    r = await kas(['create-stream', 'od3', '--on-demand', '--subscribe']);
    expect(r).toMatchObject({ code: 2, stderr: expect.stringMatching(/not autoscaled/) });
    r = await kas(['create-stream', 'none']);
    expect(r).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/needs --shards <n> for a provisioned stream, or --on-demand/),
    });
    r = await kas(['status', '--json']);
    const names = (JSON.parse(r.stdout) as { stream: string }[]).map((s) => s.stream);
    expect(names).not.toContain('od2');
    expect(names).not.toContain('none');
  });

  it('refuses a scale-down threshold at or above the scale-up threshold', async () => {
    let r = await kas(['subscribe', 'quiet', '--scale-down-threshold', '0.8']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /the scale-down threshold \(0\.8\) must be below the scale-up threshold \(0\.75\)/,
    );
    r = await kas([
      'create-stream',
      'flappy',
      '--shards',
      '1',
      '--subscribe',
      '--scale-up-threshold',
      '0.5',
      '--scale-down-threshold',
      '0.5',
    ]);
    expect(r.code).toBe(2);
    // Refused before anything was created.
    expect((await kas(['logs', 'flappy'])).stderr).toMatch(/stream flappy does not exist/);
    r = await kas([
      'subscribe',
      'quiet',
      '--scale-up-threshold',
      '0.9',
      '--scale-down-threshold',
      '0.8',
    ]);
    expect(r.code).toBe(0);
  });

  it('says "1 shard", not "1 shards"', async () => {
    expect(plural(1, 'shard')).toBe('1 shard');
    expect(plural(2, 'open shard')).toBe('2 open shards');
    let r = await kas(['create-stream', 'single', '--shards', '1', '--no-wait']);
    expect(r.stdout).toBe('created stream single with 1 shard');
    await clock.advance(5_000);
    r = await kas(['wait', 'single', '--shards', '1']);
    expect(r.stdout).toMatch(/^stream single is ACTIVE with 1 open shard \(waited/);
    r = await kas(['wait', 'single', '--shards', '2', '--timeout', '0']);
    expect(r.stderr).toMatch(/to be ACTIVE with 2 open shards; it is ACTIVE with 1 open shard$/);
  });

  it('prints the status table only when it changes when --watch has no terminal', async () => {
    const r = await kas(['status', 'single', '--watch', '--interval', '0', '--count', '3']);
    expect(r.code).toBe(0);
    expect(r.outputs).toHaveLength(1);
    expect(r.stdout).toMatch(/single\s+│ ACTIVE/);
  });

  it('says what to do when kas fire scales up an idle stream', async () => {
    const r = await kas(['fire', 'quiet', 'up']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/a stream without traffic does not stay scaled up/);
    expect(r.stdout).toMatch(/kas load quiet --mibps/);
  });

  it('turns raw Node errors into one clear line', async () => {
    let r = await kas(['status'], { AWS_ENDPOINT_URL: 'not a url' });
    expect(r).toMatchObject({ code: 2 });
    expect(r.stderr).toBe(
      'error: not a valid URL: "not a url"; an endpoint looks like http://127.0.0.1:4566 (--endpoint-url or AWS_ENDPOINT_URL)',
    );

    r = await kas(['simulate', '--trace', '/nonexistent/trace.csv', '--peak-mibps', '1']);
    expect(r).toMatchObject({
      code: 1,
      stderr: 'error: no such file or directory: /nonexistent/trace.csv',
    });

    const taken: Server = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as { port: number }).port;
    try {
      r = await kas(['local', '--no-deploy', '--port', String(port)]);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(
        `error: port ${port} on 127.0.0.1 is already in use (another emulator or LocalStack?): stop it, or pass --port <n>`,
      );
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });
});
