import JSZip from 'jszip';

/** Builds a function zip from file contents, for tests of the Lambda and SNS emulators. */
export async function buildZip(files: Record<string, string>): Promise<Buffer> {
  const zip = new JSZip();
  for (const [name, content] of Object.entries(files)) zip.file(name, content);
  return zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' });
}

/** A CommonJS handler that appends each event (and parts of its context) to `$RECORD_FILE`. */
export const RECORDER_JS = `
const fs = require('node:fs');
exports.handler = async (event, context) => {
  console.log('received', JSON.stringify(event).length, 'bytes');
  fs.appendFileSync(process.env.RECORD_FILE, JSON.stringify({
    event,
    context: {
      functionName: context.functionName,
      awsRequestId: context.awsRequestId,
      invokedFunctionArn: context.invokedFunctionArn,
      memoryLimitInMB: context.memoryLimitInMB,
      logGroupName: context.logGroupName,
      logStreamName: context.logStreamName,
      remaining: context.getRemainingTimeInMillis(),
    },
  }) + '\\n');
  return { ok: true, echo: event };
};
`;

export const THROWER_JS = `
exports.handler = async () => {
  console.error('about to fail');
  throw new TypeError('boom');
};
`;

export const ENV_READER_JS = `
let calls = 0;
exports.handler = async () => ({
  name: process.env.AWS_LAMBDA_FUNCTION_NAME,
  region: process.env.AWS_REGION,
  color: process.env.COLOR ?? null,
  endpoint: process.env.AWS_ENDPOINT_URL ?? null,
  calls: ++calls,
});
`;

export const HANG_JS = `
exports.handler = () => new Promise(() => {});
`;

export const ESM_HANDLER_MJS = `
export const handler = async (event) => ({ esm: true, got: event });
`;

/** Waits `event.ms` with a timer and reports the time left before and after. */
export const SLEEPER_JS = `
exports.handler = async (event, context) => {
  const before = context.getRemainingTimeInMillis();
  await new Promise((resolve) => setTimeout(resolve, event.ms));
  return { before, after: context.getRemainingTimeInMillis() };
};
`;

/** Races a GET of \`event.url\` against a timer of \`event.guardMs\`: which one finished first. */
export const RACER_JS = `
const http = require('node:http');
exports.handler = (event) => new Promise((resolve) => {
  const guard = setTimeout(() => resolve('guard'), event.guardMs);
  http.get(event.url, (res) => {
    res.resume();
    res.on('end', () => { clearTimeout(guard); resolve('response'); });
  });
});
`;
