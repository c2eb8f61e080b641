/* global fetch, AbortSignal, URLSearchParams -- Node 20 globals; this file runs without a build */
// The container's health check: healthy once the emulator answers as itself and the autoscaler's
// stack is deployed with its outputs (during `sls deploy` the stack exists before its topics, table
// and functions do, so the stack's name alone is not enough).
const endpoint = `http://127.0.0.1:${process.env.KAS_HEALTH_PORT ?? '4566'}`;
const stack = `kinesis-autoscaler-${process.env.KAS_HEALTH_STAGE ?? 'local'}`;

function notReady(why) {
  console.error(`not ready: ${why}`);
  process.exit(1);
}

try {
  const health = await fetch(`${endpoint}/_emulator/health`, { signal: AbortSignal.timeout(4000) });
  if (!health.ok) notReady(`/_emulator/health answered ${health.status}`);
  const res = await fetch(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      Action: 'DescribeStacks',
      Version: '2010-05-15',
      StackName: stack,
    }),
    signal: AbortSignal.timeout(4000),
  });
  const xml = await res.text();
  const status = /<StackStatus>([A-Z_]+)<\/StackStatus>/.exec(xml)?.[1];
  if (!res.ok || !status) notReady(`stack ${stack} is not deployed yet`);
  if (!/^(CREATE|UPDATE)_COMPLETE$/.test(status) || !xml.includes('ScaleUpTopicArn'))
    notReady(`stack ${stack} is ${status}`);
  console.log(`ready: stack ${stack} is ${status}`);
} catch (err) {
  notReady(err instanceof Error ? err.message : String(err));
}
