// The container's health check: healthy once the emulator answers as itself and the autoscaler's
// stack is deployed (an emulator that is still packaging at start is not ready for `npm run e2e`).
const port = process.env.KAS_HEALTH_PORT ?? '4566';
const stack = `kinesis-autoscaler-${process.env.KAS_HEALTH_STAGE ?? 'local'}`;
try {
  const res = await fetch(`http://127.0.0.1:${port}/_emulator/health`, {
    signal: AbortSignal.timeout(4000),
  });
  const body = await res.json();
  if (!res.ok || !Array.isArray(body.stacks) || !body.stacks.includes(stack)) {
    console.error(`not ready: stack ${stack} is not deployed yet`);
    process.exit(1);
  }
} catch (err) {
  console.error(`not ready: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
