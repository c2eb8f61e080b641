/**
 * PutRecords throughput: the embedded emulator against kinesis-local (kinesis-mock, the Kinesis
 * engine inside LocalStack), side by side in one run, through the same SDK client, with the same
 * batches, stream shape and concurrency. Writes bench/results/putrecords.md.
 *
 *   npx tsx bench/putrecords.ts [--duration 10] [--warmup 2] [--concurrency 4] [--shards 4]
 *
 * A third target is the physical limit of a Node edge: a bare `node:http` server in the same
 * process that only reads each request, JSON-parses it, base64-decodes every record's data and
 * answers with a constant PutRecords response of the same size as ours (so the client does the
 * same work). Ours is reported as a fraction of it, measured within one run.
 *
 * Our emulator enforces the per-shard write limit (1 MiB and 1,000 records per shard per clock
 * second) and kinesis-local enforces none. To compare raw request handling rather than the limit,
 * ours runs on a ManualClock that each worker advances by one second before each request, so a
 * clock second sees at most `concurrency` batches; accepted and throttled records are both
 * reported so nothing is hidden.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  KinesisClient,
  ListStreamsCommand,
  PutRecordsCommand,
  type PutRecordsRequestEntry,
} from '@aws-sdk/client-kinesis';
import { Command } from 'commander';
import { clientConfig } from '../src/aws/clients.js';
import { ManualClock } from '../src/emulator/clock.js';
import { Emulator } from '../src/emulator/emulator.js';

// The SDK's notice that future releases need Node 22 would interleave with the results.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const ROOT = join(import.meta.dirname, '..');
const KINESIS_LOCAL_MAIN = join(ROOT, 'node_modules', 'kinesis-local', 'main.js');
const RESULTS = join(ROOT, 'bench', 'results', 'putrecords.md');
const MiB = 1024 * 1024;

export interface PutRecordsBenchOptions {
  /** Measured time per target, after the warm-up. */
  durationMs?: number;
  warmupMs?: number;
  /** Requests in flight at once, per target. */
  concurrency?: number;
  shards?: number;
  recordsPerRequest?: number;
  recordBytes?: number;
  /** Where the Markdown table goes; `false` writes nothing. */
  out?: string | false;
  log?: (line: string) => void;
}

export interface TargetResult {
  target: string;
  requests: number;
  seconds: number;
  sentRecords: number;
  acceptedRecords: number;
  throttledRecords: number;
  failedRequests: number;
  acceptedRecordsPerSecond: number;
  acceptedMiBPerSecond: number;
  /** Mean and 99th percentile request latency, ms. */
  meanMs: number;
  p99Ms: number;
}

export interface PutRecordsBenchResult {
  settings: Required<Omit<PutRecordsBenchOptions, 'out' | 'log'>>;
  ours: TargetResult;
  kinesisLocal: TargetResult;
  bare: TargetResult;
  /** ours / kinesis-local, accepted records per second. */
  ratio: number;
  /** ours / bare node:http, accepted records per second. */
  bareRatio: number;
  markdown: string;
}

const STREAM = 'bench';
/** kinesis-local takes ~0.5 s per batch, so a time-only warm-up could end before any finished. */
const WARMUP_REQUESTS = 8;

/** A small pool of batches, built once, so both targets send byte-identical requests. */
export function batches(count: number, records: number, bytes: number): PutRecordsRequestEntry[][] {
  return Array.from({ length: count }, (_, b) =>
    Array.from({ length: records }, (_, i) => ({
      PartitionKey: `pk-${b}-${i}-${randomBytes(4).toString('hex')}`,
      Data: randomBytes(bytes),
    })),
  );
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

async function waitFor<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T>,
  fatal: () => string | undefined = () => undefined,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    const reason = fatal();
    if (reason) throw new Error(`${what} cannot happen: ${reason}`);
    try {
      return await probe();
    } catch (err) {
      last = err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`${what} did not happen within ${timeoutMs} ms: ${String(last)}`);
}

interface KinesisLocal {
  url: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

async function startKinesisLocal(shards: number): Promise<KinesisLocal> {
  const [plain, tls] = [await freePort(), await freePort()];
  const child = spawn(process.execPath, [KINESIS_LOCAL_MAIN], {
    env: {
      ...process.env,
      KINESIS_MOCK_PLAIN_PORT: String(plain),
      KINESIS_MOCK_TLS_PORT: String(tls),
      INITIALIZE_STREAMS: `${STREAM}:${shards}`,
      // kinesis-mock's default account limit is 50 shards; the bench uses 200.
      SHARD_LIMIT: String(Math.max(1000, shards)),
      CREATE_STREAM_DURATION: '0ms',
      LOG_LEVEL: 'ERROR',
      ROOT_LOG_LEVEL: 'ERROR',
      SHOULD_PERSIST_DATA: 'false',
    },
    // It reads its TLS certificate (server.json) relative to the working directory.
    cwd: dirname(KINESIS_LOCAL_MAIN),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => {
    stderr = (stderr + c.toString()).slice(-4_000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
      await exited;
      clearTimeout(timer);
    }
  };
  const url = `http://127.0.0.1:${plain}`;
  try {
    const client = new KinesisClient(clientConfig({ endpoint: url, region: 'us-east-1' }, {}));
    const died = () =>
      child.exitCode !== null || child.signalCode !== null
        ? `kinesis-local exited (${child.exitCode ?? child.signalCode}): ${stderr}`
        : undefined;
    await waitFor(
      'kinesis-local answering',
      120_000,
      () => client.send(new ListStreamsCommand({})),
      died,
    );
    // Creating 200 shards takes kinesis-local a while on a loaded machine.
    await waitFor(
      'the kinesis-local stream becoming ACTIVE',
      180_000,
      async () => {
        const s = await client.send(new DescribeStreamSummaryCommand({ StreamName: STREAM }));
        if (s.StreamDescriptionSummary?.StreamStatus !== 'ACTIVE') throw new Error('not ACTIVE');
      },
      died,
    );
    client.destroy();
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, process: child, stop };
}

interface Drive {
  client: KinesisClient;
  pool: PutRecordsRequestEntry[][];
  concurrency: number;
  durationMs: number;
  /** Keep going past the duration until this many requests completed (a warm-up must warm). */
  minRequests?: number;
  /** Runs before each request (our emulator advances its clock here). */
  beforeRequest?: () => Promise<void>;
}

async function drive(target: string, d: Drive): Promise<TargetResult> {
  const latencies: number[] = [];
  let sent = 0;
  let accepted = 0;
  let throttled = 0;
  let failed = 0;
  let next = 0;
  let inFlight = 0;
  const start = performance.now();
  const deadline = start + d.durationMs;
  const worker = async () => {
    while (performance.now() < deadline || latencies.length + inFlight < (d.minRequests ?? 0)) {
      inFlight++;
      const records = d.pool[next++ % d.pool.length]!;
      await d.beforeRequest?.();
      const t0 = performance.now();
      try {
        const out = await d.client.send(
          new PutRecordsCommand({ StreamName: STREAM, Records: records }),
        );
        const failedRecords = out.FailedRecordCount ?? 0;
        accepted += records.length - failedRecords;
        throttled += (out.Records ?? []).filter(
          (r) => r.ErrorCode === 'ProvisionedThroughputExceededException',
        ).length;
      } catch {
        failed++;
      }
      sent += records.length;
      inFlight--;
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: d.concurrency }, worker));
  const seconds = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  const recordBytes = d.pool[0]![0]!.Data!.length;
  return {
    target,
    requests: latencies.length,
    seconds,
    sentRecords: sent,
    acceptedRecords: accepted,
    throttledRecords: throttled,
    failedRequests: failed,
    acceptedRecordsPerSecond: accepted / seconds,
    acceptedMiBPerSecond: (accepted * recordBytes) / MiB / seconds,
    meanMs: latencies.reduce((a, b) => a + b, 0) / Math.max(1, latencies.length),
    p99Ms: latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * 0.99))] ?? 0,
  };
}

export async function benchOurs(
  settings: PutRecordsBenchResult['settings'],
  pool: PutRecordsRequestEntry[][],
): Promise<TargetResult> {
  const clock = new ManualClock();
  const emulator = await Emulator.start({ port: 0, clock });
  const client = new KinesisClient(
    clientConfig({ endpoint: emulator.url, region: 'us-east-1' }, {}),
  );
  try {
    await client.send(new CreateStreamCommand({ StreamName: STREAM, ShardCount: settings.shards }));
    await clock.advance(60_000);
    const beforeRequest = () => clock.advance(1_000);
    const common = { client, pool, concurrency: settings.concurrency, beforeRequest };
    await drive('warm-up', {
      ...common,
      durationMs: settings.warmupMs,
      minRequests: WARMUP_REQUESTS,
    });
    return await drive('ours (embedded emulator)', { ...common, durationMs: settings.durationMs });
  } finally {
    client.destroy();
    await emulator.stop();
  }
}

async function benchKinesisLocal(
  settings: PutRecordsBenchResult['settings'],
  pool: PutRecordsRequestEntry[][],
): Promise<TargetResult> {
  const local = await startKinesisLocal(settings.shards);
  const client = new KinesisClient(clientConfig({ endpoint: local.url, region: 'us-east-1' }, {}));
  try {
    const common = { client, pool, concurrency: settings.concurrency };
    await drive('warm-up', {
      ...common,
      durationMs: settings.warmupMs,
      minRequests: WARMUP_REQUESTS,
    });
    return await drive('kinesis-local 0.6.2 (kinesis-mock)', {
      ...common,
      durationMs: settings.durationMs,
    });
  } finally {
    client.destroy();
    await local.stop();
  }
}

/** The bare `node:http` edge: read, JSON.parse, base64-decode, answer a constant response. */
export async function benchBare(
  settings: PutRecordsBenchResult['settings'],
  pool: PutRecordsRequestEntry[][],
): Promise<TargetResult> {
  const seq = '4'.repeat(56);
  const answer = JSON.stringify({
    FailedRecordCount: 0,
    EncryptionType: 'NONE',
    Records: Array.from({ length: settings.recordsPerRequest }, () => ({
      SequenceNumber: seq,
      ShardId: 'shardId-000000000000',
    })),
  });
  let decodedBytes = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        Records: { Data: string }[];
      };
      for (const r of body.Records) decodedBytes += Buffer.from(r.Data, 'base64').length;
      res.writeHead(200, {
        'content-type': 'application/x-amz-json-1.1',
        'content-length': String(Buffer.byteLength(answer)),
      });
      res.end(answer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  const client = new KinesisClient(
    clientConfig({ endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1' }, {}),
  );
  try {
    const common = { client, pool, concurrency: settings.concurrency };
    await drive('warm-up', {
      ...common,
      durationMs: settings.warmupMs,
      minRequests: WARMUP_REQUESTS,
    });
    const result = await drive('bare node:http (read, JSON.parse, base64-decode)', {
      ...common,
      durationMs: settings.durationMs,
    });
    if (decodedBytes === 0) throw new Error('the bare server decoded nothing');
    return result;
  } finally {
    client.destroy();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

/** One row from several rounds: totals, rates over the summed time, the worst p99. */
function combine(rounds: TargetResult[]): TargetResult {
  const sum = (f: (t: TargetResult) => number) => rounds.reduce((a, t) => a + f(t), 0);
  const seconds = sum((t) => t.seconds);
  const requests = sum((t) => t.requests);
  return {
    target: rounds[0]!.target,
    requests,
    seconds,
    sentRecords: sum((t) => t.sentRecords),
    acceptedRecords: sum((t) => t.acceptedRecords),
    throttledRecords: sum((t) => t.throttledRecords),
    failedRequests: sum((t) => t.failedRequests),
    acceptedRecordsPerSecond: sum((t) => t.acceptedRecords) / seconds,
    acceptedMiBPerSecond: sum((t) => t.acceptedMiBPerSecond * t.seconds) / seconds,
    meanMs: sum((t) => t.meanMs * t.requests) / Math.max(1, requests),
    p99Ms: Math.max(...rounds.map((t) => t.p99Ms)),
  };
}

function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

function renderMarkdown(r: Omit<PutRecordsBenchResult, 'markdown'>): string {
  const s = r.settings;
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const row = (t: TargetResult) =>
    `| ${t.target} | ${fmt(t.requests)} | ${fmt(t.seconds, 1)} | ${fmt(t.acceptedRecordsPerSecond)} | ${fmt(t.acceptedMiBPerSecond, 1)} | ${fmt(t.acceptedRecords)} | ${fmt(t.throttledRecords)} | ${fmt(t.failedRequests)} | ${fmt(t.meanMs, 1)} | ${fmt(t.p99Ms, 1)} |`;
  return [
    '# PutRecords throughput: embedded emulator vs kinesis-local',
    '',
    `- Date: ${new Date().toISOString()}`,
    `- Machine: Node ${process.version}, ${os.cpus().length} x ${cpu}, ${os.platform()} ${os.arch()}, load average at start ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
    `- Settings: ${s.recordsPerRequest} records of ${s.recordBytes} B per request, ${s.shards} shards, ${s.concurrency} requests in flight, ${s.warmupMs / 1000} s warm-up then ${s.durationMs / 1000} s measured per target; same @aws-sdk/client-kinesis client config (\`clientConfig({ endpoint })\`, HTTP/1.1 NodeHttpHandler) and the same pre-built batches for both.`,
    '- Ours runs in the benchmark process (client and server share one event loop); kinesis-local runs as a child process (`node node_modules/kinesis-local/main.js`, plain-HTTP port).',
    '- Ours and the bare row alternate in 3 rounds of a third of the measured time each (each row sums its rounds), so that changes in the load of the shared machine weigh on both alike.',
    '- The bare row is a `node:http` server in the benchmark process that only reads each request, JSON-parses it, base64-decodes every record and answers a constant PutRecords response of the same shape: the physical limit of a Node edge on this machine, measured in the same run.',
    '- Ours enforces the per-shard write limit: its ManualClock is advanced 1 s before each request so that the limit is not what is measured; throttled records are reported. kinesis-local enforces no limit.',
    '',
    '| target | requests | s | accepted records/s | accepted MiB/s | accepted records | throttled records | failed requests | mean ms | p99 ms |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    row(r.ours),
    row(r.kinesisLocal),
    row(r.bare),
    '',
    `**Ratio (ours / kinesis-local, accepted records/s): ${r.ratio.toFixed(2)}x**`,
    '',
    `**Ratio (ours / bare node:http edge, accepted records/s): ${r.bareRatio.toFixed(2)}x**`,
    '',
  ].join('\n');
}

export async function runPutRecordsBench(
  options: PutRecordsBenchOptions = {},
): Promise<PutRecordsBenchResult> {
  const settings = {
    durationMs: options.durationMs ?? 10_000,
    warmupMs: options.warmupMs ?? 2_000,
    concurrency: options.concurrency ?? 4,
    shards: options.shards ?? 200,
    recordsPerRequest: options.recordsPerRequest ?? 500,
    recordBytes: options.recordBytes ?? 1024,
  };
  const log = options.log ?? ((line: string) => console.log(line));
  const pool = batches(16, settings.recordsPerRequest, settings.recordBytes);

  log(`PutRecords bench: ${JSON.stringify(settings)}`);
  // kinesis-local first, so that the in-process emulator's garbage does not weigh on its run.
  const kinesisLocal = await benchKinesisLocal(settings, pool);
  log(
    `  kinesis-local: ${fmt(kinesisLocal.acceptedRecordsPerSecond)} records/s, ${fmt(kinesisLocal.acceptedMiBPerSecond, 1)} MiB/s`,
  );
  // Ours and the bare edge alternate in rounds, so that a change in the machine's load (it is
  // shared) weighs on both alike; each row sums its rounds.
  const rounds = 3;
  const roundSettings = { ...settings, durationMs: settings.durationMs / rounds };
  const oursRounds: TargetResult[] = [];
  const bareRounds: TargetResult[] = [];
  for (let i = 0; i < rounds; i++) {
    oursRounds.push(await benchOurs(roundSettings, pool));
    bareRounds.push(await benchBare(roundSettings, pool));
  }
  const ours = combine(oursRounds);
  const bare = combine(bareRounds);
  log(
    `  ours:          ${fmt(ours.acceptedRecordsPerSecond)} records/s, ${fmt(ours.acceptedMiBPerSecond, 1)} MiB/s (${fmt(ours.throttledRecords)} throttled)`,
  );
  log(`  bare node:http: ${fmt(bare.acceptedRecordsPerSecond)} records/s`);
  const ratio = ours.acceptedRecordsPerSecond / kinesisLocal.acceptedRecordsPerSecond;
  const bareRatio = ours.acceptedRecordsPerSecond / bare.acceptedRecordsPerSecond;
  log(`  ratio ours / bare: ${bareRatio.toFixed(2)}x`);
  const result = { settings, ours, kinesisLocal, bare, ratio, bareRatio };
  const markdown = renderMarkdown(result);
  if (options.out !== false) {
    const out = options.out ?? RESULTS;
    await mkdir(dirname(out), { recursive: true });
    await writeFile(out, markdown);
    log(`  ratio ours / kinesis-local: ${ratio.toFixed(2)}x; wrote ${out}`);
  }
  return { ...result, markdown };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const program = new Command()
    .option('--duration <s>', 'measured seconds per target', '10')
    .option('--warmup <s>', 'warm-up seconds per target', '2')
    .option('--concurrency <n>', 'requests in flight', '4')
    .option('--shards <n>', 'shards of the stream', '200')
    .option('--out <file>', 'Markdown output', RESULTS)
    .parse();
  const o = program.opts<Record<string, string>>();
  runPutRecordsBench({
    durationMs: Number(o.duration) * 1000,
    warmupMs: Number(o.warmup) * 1000,
    concurrency: Number(o.concurrency),
    shards: Number(o.shards),
    out: o.out!,
  }).then(
    (r) => {
      console.log(r.markdown);
      process.exit(0);
    },
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
