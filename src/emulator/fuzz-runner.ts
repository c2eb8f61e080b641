/**
 * The fuzzer's runner: sends requests over raw HTTP, judges every reply against what AWS would send
 * (an AWS-shaped 4xx for a client fault; never a 5xx, an unshaped body, a dropped connection or a
 * hang) and reports one example request per distinct anomaly.
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import { join } from 'node:path';
import { errorMessage } from '../aws/errors.js';
import type { FuzzRequest } from './fuzz-generator.js';

/** Requests in flight at once. */
const IN_FLIGHT = 16;
/**
 * A request that takes longer than this counts as a hang. Generous: on a loaded machine a correct
 * answer can take seconds, and a real hang never answers.
 */
const HANG_MS = 60_000;

/** Errors AWS's JSON services send without a message. */
const BARE_ERRORS = new Set(['SerializationException', 'UnknownOperationException']);

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

function send(agent: http.Agent, url: string, req: FuzzRequest): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const r = http.request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.path,
        headers: { ...req.headers, 'content-length': String(req.body.length) },
        agent,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks),
          }),
        );
        res.on('error', reject);
      },
    );
    r.setTimeout(HANG_MS, () => r.destroy(new Error(`no answer within ${HANG_MS} ms (hang)`)));
    r.on('error', reject);
    r.end(req.body);
  });
}

/**
 * Dynalite copies DynamoDB's own non-JSON answers: `healthy: ...` for a GET, a bare 404
 * `<UnknownOperationException/>` for other methods or a non-JSON content type, and an empty 413
 * over 16 MiB.
 */
function dynaliteMimicsAws(req: FuzzRequest, reply: Reply): boolean {
  const text = reply.body.toString('utf8');
  if (req.method === 'GET' && reply.status === 200) return text.startsWith('healthy: dynamodb.');
  if (reply.status === 404) return text.trim() === '<UnknownOperationException/>';
  return reply.status === 413 && text === '';
}

/** Why a reply is not what AWS would send for this request, or undefined when it is fine. */
function shapeProblem(req: FuzzRequest, reply: Reply): string | undefined {
  const { status } = reply;
  if (!Number.isInteger(status) || status < 200 || status > 599) return `invalid status ${status}`;
  if (req.method === 'HEAD' || status === 204 || status === 202) return undefined;
  // Node's HTTP parser refuses request lines over 16 KiB before the emulator sees them.
  if (status === 431 && reply.body.length === 0) return undefined;
  if (req.kind.endsWith('dynamodb') && dynaliteMimicsAws(req, reply)) return undefined;
  const contentType = String(reply.headers['content-type'] ?? '');
  const text = reply.body.toString('utf8');
  if (status < 400) {
    if (contentType.includes('xml'))
      return text.startsWith('<?xml') ? undefined : 'non-XML 2xx body';
    if (req.kind === 'lambda' && req.path.includes('/invocations')) return undefined;
    try {
      JSON.parse(text);
      return undefined;
    } catch {
      return `2xx body is not JSON: ${text.slice(0, 80)}`;
    }
  }
  if (contentType.includes('xml')) {
    if (!/<ErrorResponse[\s>]/.test(text))
      return `XML error without ErrorResponse: ${text.slice(0, 120)}`;
    if (!/<Code>[^<]+<\/Code>/.test(text)) return 'XML error without Code';
    if (!/<Message>/.test(text)) return 'XML error without Message';
    return undefined;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return `error body is neither JSON nor XML (${contentType}): ${text.slice(0, 80)}`;
  }
  if (typeof parsed !== 'object' || parsed === null) return 'error body is not a JSON object';
  const body = parsed as Record<string, unknown>;
  const code = body.__type ?? reply.headers['x-amzn-errortype'];
  if (typeof code !== 'string' || code === '')
    return 'JSON error without __type or x-amzn-errortype';
  // Real DynamoDB omits the message for a few errors, and Kinesis answers an unknown operation or
  // an unparseable body with a bare `__type`.
  const message = body.message ?? body.Message;
  if (typeof message !== 'string' && req.kind !== 'dynamodb' && !BARE_ERRORS.has(code))
    return `JSON error ${code} without message`;
  return undefined;
}

function errorCode(reply: Reply): string {
  const text = reply.body.toString('utf8');
  const xml = /<Code>([^<]+)<\/Code>/.exec(text);
  if (xml) return xml[1]!;
  try {
    const body = JSON.parse(text) as Record<string, unknown>;
    return String(body.__type ?? reply.headers['x-amzn-errortype'] ?? '?');
  } catch {
    return '?';
  }
}

function describeRequest(req: FuzzRequest): string {
  const body =
    req.body.length > 200
      ? `${req.body.subarray(0, 200).toString('latin1')}… (${req.body.length} bytes)`
      : req.body.toString('latin1');
  return `${req.kind}: ${req.method} ${req.path.slice(0, 120)} ${JSON.stringify(req.headers)} ${JSON.stringify(body)}`;
}

export interface FuzzReport {
  total: number;
  byStatus: Map<number, number>;
  /** One example per distinct 5xx (kind + status + code). */
  serverErrors: Map<string, { count: number; example: string; body: string }>;
  shapeProblems: Map<string, { count: number; example: string }>;
  transportErrors: Map<string, { count: number; example: string }>;
}

export async function runFuzz(url: string, requests: FuzzRequest[]): Promise<FuzzReport> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: IN_FLIGHT });
  const report: FuzzReport = {
    total: 0,
    byStatus: new Map(),
    serverErrors: new Map(),
    shapeProblems: new Map(),
    transportErrors: new Map(),
  };
  let next = 0;
  const worker = async () => {
    while (next < requests.length) {
      const req = requests[next++]!;
      report.total++;
      try {
        const reply = await send(agent, url, req);
        report.byStatus.set(reply.status, (report.byStatus.get(reply.status) ?? 0) + 1);
        if (reply.status >= 500) {
          const key = `${req.kind} ${reply.status} ${errorCode(reply)}`;
          const seen = report.serverErrors.get(key);
          if (seen) seen.count++;
          else
            report.serverErrors.set(key, {
              count: 1,
              example: describeRequest(req),
              body: reply.body.toString('utf8').slice(0, 300),
            });
        }
        const problem = shapeProblem(req, reply);
        if (problem) {
          const key = `${req.kind}: ${problem.slice(0, 60)}`;
          const seen = report.shapeProblems.get(key);
          if (seen) seen.count++;
          else
            report.shapeProblems.set(key, {
              count: 1,
              example: `${problem}\n    ${describeRequest(req)}`,
            });
        }
      } catch (err) {
        const key = `${req.kind}: ${errorMessage(err)}`;
        const seen = report.transportErrors.get(key);
        if (seen) seen.count++;
        else report.transportErrors.set(key, { count: 1, example: describeRequest(req) });
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  } finally {
    agent.destroy();
  }
  return report;
}

export function printReport(report: FuzzReport, seed: number): void {
  const lines = [
    `fuzz: ${report.total} requests, seed ${seed}; statuses ${JSON.stringify(Object.fromEntries([...report.byStatus].sort((a, b) => a[0] - b[0])))}`,
  ];
  for (const [key, v] of report.serverErrors)
    lines.push(`  5xx ${key} x${v.count}\n    ${v.example}\n    -> ${v.body}`);
  for (const [key, v] of report.shapeProblems)
    lines.push(`  shape ${key} x${v.count}\n    ${v.example}`);
  for (const [key, v] of report.transportErrors)
    lines.push(`  transport ${key} x${v.count}\n    ${v.example}`);
  console.log(lines.join('\n'));
}

/** Sends one raw request and resolves with the status, or with the transport error's message. */
export async function probe(url: string, req: Omit<FuzzRequest, 'kind'>): Promise<number | string> {
  const once = new http.Agent({ keepAlive: false });
  try {
    return await new Promise<number>((resolve, reject) => {
      const target = new URL(url);
      const r = http.request(
        {
          host: target.hostname,
          port: target.port,
          method: req.method,
          path: req.path,
          headers: { ...req.headers, 'content-length': String(req.body.length) },
          agent: once,
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      r.setTimeout(HANG_MS, () => r.destroy(new Error(`no answer within ${HANG_MS} ms (hang)`)));
      r.on('error', reject);
      r.end(req.body);
    });
  } catch (err) {
    return errorMessage(err);
  } finally {
    once.destroy();
  }
}

const ROOT = join(import.meta.dirname, '..', '..');

/**
 * Runs the request against an emulator in a child process, because these requests throw from an
 * event handler: in-process they would surface as an uncaught exception in the test runner, in a
 * real `kas local` they kill the emulator. Resolves with the status (or transport error) and
 * whether the emulator process survived: after the answer the child is asked to stop (its stdin
 * closes), and only a process that was still alive to hear that exits with status 0.
 */
export async function probeInChild(
  req: Omit<FuzzRequest, 'kind'>,
): Promise<{ answer: number | string; alive: boolean }> {
  const code = `
    const { Emulator } = await import(${JSON.stringify(new URL('./emulator.ts', import.meta.url).href)});
    const { ManualClock } = await import(${JSON.stringify(new URL('./clock.ts', import.meta.url).href)});
    const emulator = await Emulator.start({ port: 0, clock: new ManualClock() });
    console.log(emulator.url);
    process.stdin.on('end', () => emulator.stop().then(() => process.exit(0)));
    process.stdin.resume();
  `;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (status) => resolve(status)),
  );
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        const m = /http:\/\/\S+/.exec(out);
        if (m) resolve(m[0]);
      });
      void exited.then((status) => reject(new Error(`the emulator child exited (${status})`)));
    });
    const answer = await probe(url, req);
    child.stdin.end();
    return { answer, alive: (await exited) === 0 };
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill();
  }
}
