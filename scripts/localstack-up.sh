#!/usr/bin/env bash
# Starts LocalStack with docker compose, waits until it is healthy, and deploys the autoscaler to it
# (`sls deploy --stage local`). Needs a Docker engine with compose (the `docker compose` plugin or
# Debian's `docker-compose`) and the LocalStack image; says which is missing and exits 2 otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."

endpoint="${AWS_ENDPOINT_URL:-http://localhost:4566}"
timeout_s="${LOCALSTACK_WAIT_SECONDS:-120}"

if ! command -v docker >/dev/null 2>&1 || ! docker info >/dev/null 2>&1; then
  echo "error: no Docker engine is reachable, so LocalStack cannot start here." >&2
  echo "       Use the embedded emulator instead: npm start (or E2E_TARGET=embedded npm run e2e)." >&2
  exit 2
fi

# `docker compose` without the plugin fails with "unknown shorthand flag: 'd'"; find a compose first.
if docker compose version >/dev/null 2>&1; then
  compose=(docker compose)
elif command -v docker-compose >/dev/null 2>&1; then
  compose=(docker-compose)
else
  echo "error: the Docker engine has no compose: neither the 'docker compose' plugin nor 'docker-compose' is installed." >&2
  echo "       Install one (apt-get install docker-compose, or Docker's compose plugin), or use the embedded emulator: npm start." >&2
  exit 2
fi

image="localstack/localstack:4.14.0"
if ! docker image inspect "$image" >/dev/null 2>&1 && [[ -n "${CI:-}" ]]; then
  echo "error: the image $image is not on this machine, and CI never pulls images." >&2
  exit 2
fi

if ! "${compose[@]}" --profile localstack up -d localstack; then
  echo "error: '${compose[*]} --profile localstack up -d localstack' failed (above). Without registry access, load $image with docker load." >&2
  exit 1
fi

echo "waiting for LocalStack at ${endpoint} (up to ${timeout_s}s)..."
deadline=$((SECONDS + timeout_s))
until curl -fsS "${endpoint}/_localstack/health" 2>/dev/null | grep -Eq '"kinesis": "(running|available)"'; do
  if ((SECONDS >= deadline)); then
    echo "error: LocalStack did not become healthy within ${timeout_s}s; see '${compose[*]} logs localstack'" >&2
    exit 1
  fi
  sleep 2
done

AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-test}" AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-test}" \
  npx sls deploy --stage local --region "${AWS_REGION:-us-east-1}"
echo "deployed to LocalStack at ${endpoint}"
