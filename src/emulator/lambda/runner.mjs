// The execution environment of one emulated Lambda function, run inside a worker thread.
// It is plain JavaScript so that the same file works from TypeScript sources under vitest and
// next to the compiled model after `tsc` (which does not copy .mjs files: the build must).
//
// Messages to the parent: {type:'ready'} | {type:'init-error', error} | {type:'log', text}
// | {type:'result', requestId, ok, payload?, error?} | {type:'skipped', ms} (a wait it skipped, see
// below). Messages from the parent: {type:'invoke', ...}.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { setImmediate } from 'node:timers';
import { format } from 'node:util';
import { parentPort, workerData } from 'node:worker_threads';

const port = parentPort;
if (!port) throw new Error('runner.mjs must run in a worker thread');

const {
  taskRoot,
  handler: handlerSpec,
  functionName,
  functionArn,
  memorySize,
  version,
  skipIdleWaits,
} = workerData;
let currentRequestId;
/** Waits skipped during the event in progress; they count against its timeout. */
let skippedThisEvent = 0;

// Log text travels on the same port as results, so every line a handler writes reaches the parent
// before its result does; worker stdout streams give no such ordering.
function toText(chunk, encoding) {
  if (typeof chunk === 'string') return chunk;
  return Buffer.from(chunk).toString(typeof encoding === 'string' ? encoding : 'utf8');
}
for (const stream of [process.stdout, process.stderr]) {
  stream.write = (chunk, encoding, cb) => {
    port.postMessage({ type: 'log', text: toText(chunk, encoding) });
    const done = typeof encoding === 'function' ? encoding : cb;
    if (typeof done === 'function') done();
    return true;
  };
}

// The Node.js runtime prefixes console output with time, request id and level.
const LEVELS = { log: 'INFO', info: 'INFO', warn: 'WARN', error: 'ERROR', debug: 'DEBUG' };
for (const [method, level] of Object.entries(LEVELS)) {
  console[method] = (...args) => {
    const line = `${new Date().toISOString()}\t${currentRequestId ?? 'undefined'}\t${level}\t${format(...args)}\n`;
    (level === 'ERROR' || level === 'WARN' ? process.stderr : process.stdout).write(line);
  };
}

// Under a virtual clock (the emulator's ManualClock stands still while a function runs), a wait
// costs real time and changes nothing that the emulation can see. So while an event runs and the
// worker has nothing else to do (no socket, DNS lookup, file operation or other timer keeps it
// busy), the earliest of its timeouts fires at once and the parent is told how long it skipped:
// the rate limiter counts that as time that passed, and it counts against the event's timeout.
// Timers that another part of the worker depends on in real time (a socket's connection timeout)
// only exist while that part is busy, so they are never skipped.
if (skipIdleWaits) {
  const realSetTimeout = globalThis.setTimeout;
  const realClearTimeout = globalThis.clearTimeout;
  /** @type {Map<object, {due: number, seq: number, fire: () => void}>} */
  const waits = new Map();
  let skipped = 0;
  let seq = 0;
  let checkScheduled = false;
  const now = () => performance.now() + skipped;
  const IGNORED = new Set(['Timeout', 'Immediate', 'MessagePort']);

  const isIdle = () => {
    let timeouts = 0;
    for (const kind of process.getActiveResourcesInfo()) {
      if (kind === 'Timeout') timeouts++;
      else if (!IGNORED.has(kind)) return false;
    }
    let ours = 0;
    for (const handle of waits.keys()) if (handle.hasRef()) ours++;
    // Every active timeout is one of ours, and nothing else is pending.
    return timeouts === ours && ours > 0;
  };

  const check = () => {
    checkScheduled = false;
    if (currentRequestId === undefined || waits.size === 0) return;
    if (!isIdle()) {
      // Busy (typically an HTTP request in flight): look again shortly, without keeping the
      // worker alive or counting as one of its timers.
      checkScheduled = true;
      realSetTimeout(check, 2).unref();
      return;
    }
    let next;
    let nextHandle;
    for (const [handle, w] of waits) {
      if (!handle.hasRef()) continue;
      if (!next || w.due < next.due || (w.due === next.due && w.seq < next.seq)) {
        next = w;
        nextHandle = handle;
      }
    }
    realClearTimeout(nextHandle);
    waits.delete(nextHandle);
    const ms = Math.max(0, next.due - now());
    if (ms > 0) {
      skipped += ms;
      skippedThisEvent += ms;
      port.postMessage({ type: 'skipped', ms });
    }
    scheduleCheck();
    next.fire();
  };

  const scheduleCheck = () => {
    if (checkScheduled || waits.size === 0) return;
    checkScheduled = true;
    setImmediate(check);
  };

  globalThis.setTimeout = function setTimeout(fn, ms, ...args) {
    if (typeof fn !== 'function') return realSetTimeout(fn, ms, ...args);
    const delay = Number(ms) >= 1 ? Number(ms) : 1;
    const wait = { due: now() + delay, seq: seq++, fire: () => fn(...args) };
    const handle = realSetTimeout(() => {
      waits.delete(handle);
      wait.fire();
    }, delay);
    waits.set(handle, wait);
    scheduleCheck();
    return handle;
  };
  globalThis.clearTimeout = function clearTimeout(handle) {
    if (handle && typeof handle === 'object') waits.delete(handle);
    realClearTimeout(handle);
  };
}

class RuntimeError extends Error {
  constructor(type, message) {
    super(message);
    this.name = type;
  }
}

function serializeError(err) {
  if (err instanceof Error) {
    return {
      errorType: err.name || 'Error',
      errorMessage: err.message,
      trace: String(err.stack ?? '').split('\n'),
    };
  }
  // Lambda reports thrown non-errors by their JavaScript type.
  return { errorType: typeof err, errorMessage: String(err), trace: [] };
}

async function loadHandler() {
  const dot = handlerSpec.lastIndexOf('.');
  const modulePath = handlerSpec.slice(0, dot);
  const exportName = handlerSpec.slice(dot + 1);
  const file = ['.js', '.mjs', '.cjs']
    .map((ext) => path.resolve(taskRoot, modulePath + ext))
    .find((candidate) => existsSync(candidate));
  if (!file) {
    throw new RuntimeError(
      'Runtime.ImportModuleError',
      `Error: Cannot find module '${modulePath}' in ${taskRoot}`,
    );
  }
  let mod;
  try {
    if (file.endsWith('.mjs')) {
      mod = await import(pathToFileURL(file).href);
    } else {
      try {
        mod = createRequire(file)(file);
      } catch (err) {
        // A .js file under a package.json with "type": "module" is ESM, as in the real runtime.
        if (err && err.code === 'ERR_REQUIRE_ESM') mod = await import(pathToFileURL(file).href);
        else throw err;
      }
    }
  } catch (err) {
    if (err instanceof SyntaxError) {
      throw new RuntimeError('Runtime.UserCodeSyntaxError', `${err.name}: ${err.message}`);
    }
    throw err;
  }
  const fn = mod?.[exportName] ?? mod?.default?.[exportName];
  if (typeof fn !== 'function') {
    throw new RuntimeError(
      'Runtime.HandlerNotFound',
      `${modulePath}.${exportName} is undefined or not exported`,
    );
  }
  return fn;
}

function callHandler(handler, event, context) {
  // Callback-style handlers (three parameters) finish when they call back; others by their result.
  if (handler.length >= 3) {
    return new Promise((resolve, reject) => {
      const callback = (err, value) => (err ? reject(err) : resolve(value));
      Promise.resolve(handler(event, context, callback)).then((value) => {
        if (value !== undefined) resolve(value);
      }, reject);
    });
  }
  return Promise.resolve().then(() => handler(event, context));
}

let handler;
try {
  handler = await loadHandler();
  port.postMessage({ type: 'ready' });
} catch (err) {
  port.postMessage({ type: 'init-error', error: serializeError(err) });
}

port.on('message', async (msg) => {
  if (!msg || msg.type !== 'invoke' || !handler) return;
  const { requestId, deadline, logGroupName, logStreamName } = msg;
  currentRequestId = requestId;
  skippedThisEvent = 0;
  const context = {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: version,
    invokedFunctionArn: msg.invokedFunctionArn ?? functionArn,
    memoryLimitInMB: String(memorySize),
    awsRequestId: requestId,
    logGroupName,
    logStreamName,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now() - skippedThisEvent),
  };
  try {
    const event = JSON.parse(msg.payload);
    const result = await callHandler(handler, event, context);
    const payload = JSON.stringify(result);
    port.postMessage({ type: 'result', requestId, ok: true, payload: payload ?? 'null' });
  } catch (err) {
    const error = serializeError(err);
    console.error('Invoke Error', JSON.stringify(error));
    port.postMessage({ type: 'result', requestId, ok: false, error });
  } finally {
    currentRequestId = undefined;
  }
});
