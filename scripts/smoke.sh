#!/usr/bin/env bash
# Smoke test against a running endpoint with the autoscaler deployed at stage local (`npm start`,
# or LocalStack after `sls deploy --stage local`): create a stream, subscribe it, fire its scale-up
# alarm, wait for 2 shards and check the scaling log. Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."

export AWS_ENDPOINT_URL="${AWS_ENDPOINT_URL:-http://127.0.0.1:4566}"
export AWS_REGION="${AWS_REGION:-us-east-1}"
stream="${1:-smoke-$(date +%s)}"
kas() { node bin/kas.js "$@"; }

kas create-stream "$stream" --shards 1 --subscribe
kas fire "$stream" up
kas wait "$stream" --shards 2 --timeout "${SMOKE_TIMEOUT:-180}"
kas logs "$stream" --json | node -e '
  const entries = JSON.parse(require("fs").readFileSync(0, "utf8"));
  const e = entries[0];
  if (!e || e.scaling_type !== "SCALE_UP" || e.shard_count !== 1 || e.target_shard_count !== 2) {
    console.error("smoke: unexpected scaling log:", JSON.stringify(entries));
    process.exit(1);
  }
  console.log(`smoke: ok, ${e.stream_name} scaled ${e.shard_count} -> ${e.target_shard_count} at ${e.scaling_datetime}`);
'
kas unsubscribe "$stream" >/dev/null
