#!/usr/bin/env bash
# CI's container stage: installs Debian's Docker engine and debootstrap, starts the engine, builds
# the local base image and the emulator image (each reused when it is already there), runs the e2e
# suite against the image (E2E_TARGET=container) and stops the engine it started, by PID. Where no
# engine can be installed or started it says why and exits 0: the stage is skipped, not failed.
# Nothing is pulled from an image registry.
set -euo pipefail
cd "$(dirname "$0")/.."

stage_start=$SECONDS
phase_start=$SECONDS
phase() {
  echo "   (${1}: $((SECONDS - phase_start)) s)"
  phase_start=$SECONDS
}
skip() {
  echo "== container stage skipped: $*"
  exit 0
}

if ! command -v dockerd >/dev/null 2>&1 || ! command -v debootstrap >/dev/null 2>&1; then
  echo "== installing docker.io and debootstrap"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io debootstrap; } \
    >/tmp/kas-container-apt.log 2>&1 ||
    skip "docker.io could not be installed ($(tail -1 /tmp/kas-container-apt.log))"
  phase install
fi

dockerd_pid=""
stop_engine() {
  if [[ -n "$dockerd_pid" ]]; then
    kill "$dockerd_pid" 2>/dev/null || true
    wait "$dockerd_pid" 2>/dev/null || true
    echo "   stopped the Docker engine (pid $dockerd_pid)"
  fi
}
trap stop_engine EXIT

if ! docker info >/dev/null 2>&1; then
  echo "== starting the Docker engine"
  dockerd >/tmp/kas-dockerd.log 2>&1 &
  dockerd_pid=$!
  for _ in $(seq 60); do
    docker info >/dev/null 2>&1 && break
    kill -0 "$dockerd_pid" 2>/dev/null || break
    sleep 0.5
  done
  if ! docker info >/dev/null 2>&1; then
    reason="$(grep -iE 'level=(error|fatal)' /tmp/kas-dockerd.log | tail -1 || true)"
    skip "no Docker engine can start on this machine (${reason:-see /tmp/kas-dockerd.log})"
  fi
  phase "engine start"
fi

echo "== base image"
base="$(scripts/container-base.sh)"
phase "base image"

echo "== emulator image (docker build, BASE_IMAGE=$base)"
DOCKER_BUILDKIT=0 docker build -q --build-arg "BASE_IMAGE=$base" -t kinesis-autoscaler-emulator:latest . >/dev/null
phase "emulator image"

echo "== e2e on the container image"
# The fleet scenario always runs on its own embedded emulator (npm test has run it already).
E2E_TARGET=container TESTCONTAINERS_RYUK_DISABLED=true TESTCONTAINERS_HOST_OVERRIDE=127.0.0.1 \
  npx vitest run integration/scenarios.test.ts integration/faults.test.ts
phase "e2e"
# Dangling layers of earlier builds would otherwise pile up on a machine that is kept.
docker image prune -f >/dev/null 2>&1 || true
echo "== container stage: $((SECONDS - stage_start)) s"
