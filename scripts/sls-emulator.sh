#!/usr/bin/env bash
# The Serverless deploy path into the embedded emulator, as a user runs it: start the emulator
# without the autoscaler, `sls deploy --stage local`, deploy again with a changed setting (a stack
# update), `sls info`, `sls invoke`, the end-to-end suite against the endpoint, `sls remove`.
# Usage: scripts/sls-emulator.sh [port]   (default 4599; E2E=0 skips the suite)
set -euo pipefail
cd "$(dirname "$0")/.."

port="${1:-4599}"
export AWS_ENDPOINT_URL="http://127.0.0.1:${port}" AWS_REGION=us-east-1
export SLS_TELEMETRY_DISABLED=1 SLS_NOTIFICATIONS_MODE=off
# The emulator finishes stack operations at once; the framework's 5 s polling would only idle.
export SLS_AWS_MONITORING_FREQUENCY="${SLS_AWS_MONITORING_FREQUENCY:-1000}"
log="$(mktemp -t kas-emulator.XXXXXX)"

# Short resharding keeps the suite's real-time waits short.
node bin/kas.js local --no-deploy --port "$port" --resharding-seconds 2 >"$log" 2>&1 &
emulator=$!
trap 'kill "$emulator" 2>/dev/null || true; wait "$emulator" 2>/dev/null || true; rm -f "$log" "$log.update"' EXIT
for _ in $(seq 1 120); do
  curl -fsS "${AWS_ENDPOINT_URL}/_emulator/health" >/dev/null 2>&1 && break
  kill -0 "$emulator" 2>/dev/null || { cat "$log"; exit 1; }
  sleep 0.5
done

started=$SECONDS
step() { echo "== [$((SECONDS - started)) s] $*"; }
step "sls deploy --stage local (create)"
npx sls deploy --stage local --param="targetUtilization=0.55"
step "sls deploy --stage local (update: targetUtilization back to its default)"
npx sls deploy --stage local --verbose 2>&1 | tee "$log.update"
grep -q 'UPDATE_COMPLETE.*AWS::Lambda::Function.*ScaleUpLambdaFunction' "$log.update"
step "sls info"
npx sls info --stage local
step "sls invoke -f scaleUp"
npx sls invoke -f scaleUp --stage local --data '{"Records":[]}'

if [ "${E2E:-1}" != 0 ]; then
  # Real load past capacity needs minutes of wall-clock traffic; that scenario runs in virtual
  # time on the embedded target (npm test). So does the fleet scenario, which always runs on its
  # own embedded emulator and would only repeat npm test's run here.
  step "E2E_TARGET=endpoint: the e2e scenarios and faults suites (all but the real-load scenario)"
  E2E_TARGET=endpoint npx vitest run integration/scenarios.test.ts integration/faults.test.ts \
    -t '^(?!.*real load).*$'
fi

step "sls remove"
npx sls remove --stage local
if curl -fsS "${AWS_ENDPOINT_URL}/_emulator/health" | grep -q '"stacks":\[\]'; then
  echo "sls-emulator: ok, deployed, updated, invoked, tested and removed in $((SECONDS - started)) s"
else
  echo "sls-emulator: the stack is still there after sls remove" >&2
  exit 1
fi
