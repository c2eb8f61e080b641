#!/usr/bin/env bash
# Builds a local Debian bookworm base image with this machine's Node and npm, for machines that
# reach Debian's packages and the npm registry but no image registry (so `node:20-bookworm-slim`
# cannot be pulled). Two images, each reused when it already exists:
#   kinesis-autoscaler-base:bookworm-rootfs   debootstrap --variant=minbase, `docker import`ed
#   kinesis-autoscaler-base:bookworm-node20   + this machine's node, npm and CA bundle (so npm works
#                                             behind the same TLS-intercepting proxy as the host)
# Progress goes to stderr; the last line on stdout is the image's name. Usage:
#   scripts/container-base.sh [image]; then
#   docker build --build-arg BASE_IMAGE=kinesis-autoscaler-base:bookworm-node20 -t kinesis-autoscaler-emulator .
set -euo pipefail
exec 3>&1 1>&2

root=""
ctx=""
cleanup() {
  # debootstrap mounts /proc and /sys inside the root; unmount before removing anything.
  if [[ -n "$root" ]]; then
    umount -l "$root/proc" "$root/sys" 2>/dev/null || true
    rm -rf --one-file-system "$root" "$root.log"
  fi
  [[ -z "$ctx" ]] || rm -rf "$ctx"
}
trap cleanup EXIT

node_bin="$(readlink -f "$(command -v node)")"
node_version="$("$node_bin" --version)"
major="${node_version%%.*}"
image="${1:-kinesis-autoscaler-base:bookworm-node${major#v}}"
rootfs_image="kinesis-autoscaler-base:bookworm-rootfs"
ca_bundle="${NODE_EXTRA_CA_CERTS:-/etc/ssl/certs/ca-certificates.crt}"

if ! docker info >/dev/null 2>&1; then
  echo "error: no Docker engine is reachable (docker info failed); start one first (dockerd)" >&2
  exit 2
fi

if docker image inspect "$rootfs_image" >/dev/null 2>&1; then
  echo "reusing $rootfs_image"
else
  command -v debootstrap >/dev/null 2>&1 || {
    echo "error: debootstrap is not installed (apt-get install -y debootstrap)" >&2
    exit 2
  }
  root="$(mktemp -d /tmp/kas-rootfs.XXXXXX)"
  echo "== debootstrap --variant=minbase bookworm (a few minutes)"
  if ! debootstrap --variant=minbase bookworm "$root" "${DEBIAN_MIRROR:-http://deb.debian.org/debian}" \
    >"$root.log" 2>&1; then
    tail -20 "$root.log" >&2
    echo "error: debootstrap failed" >&2
    exit 1
  fi
  umount -l "$root/proc" "$root/sys" 2>/dev/null || true
  # Nothing here needs apt's lists and caches, documentation or translations.
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root"/usr/share/doc/* \
    "$root"/usr/share/man/* "$root"/usr/share/locale/*
  echo "== docker import $rootfs_image"
  tar -C "$root" --exclude=./proc/* --exclude=./sys/* --exclude=./dev/* -c . |
    docker import --change 'CMD ["bash"]' - "$rootfs_image" >/dev/null
fi

ca_sum="$(sha256sum "$ca_bundle" | cut -c1-16)"
if [[ "$(docker image inspect -f '{{index .Config.Labels "kas.base"}}' "$image" 2>/dev/null)" == "$node_version-$ca_sum" ]]; then
  echo "reusing $image (Node $node_version)"
  echo "$image" >&3
  exit 0
fi

# npm sits beside node: <prefix>/bin/node and <prefix>/lib/node_modules/npm.
npm_dir="$(dirname "$(dirname "$node_bin")")/lib/node_modules/npm"
[[ -d "$npm_dir" ]] || {
  echo "error: npm not found at $npm_dir (next to $node_bin)" >&2
  exit 2
}
ctx="$(mktemp -d /tmp/kas-base-ctx.XXXXXX)"
cp "$node_bin" "$ctx/node"
cp -a "$npm_dir" "$ctx/npm"
cp "$ca_bundle" "$ctx/ca-certificates.crt"
cat >"$ctx/Dockerfile" <<DOCKERFILE
FROM $rootfs_image
COPY node /usr/local/bin/node
COPY npm /usr/local/lib/node_modules/npm
COPY ca-certificates.crt /usr/local/share/kas/ca-certificates.crt
RUN ln -sf ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \\
 && ln -sf ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \\
 && node --version && npm --version
ENV NODE_EXTRA_CA_CERTS=/usr/local/share/kas/ca-certificates.crt \\
    npm_config_cafile=/usr/local/share/kas/ca-certificates.crt
LABEL kas.base="$node_version-$ca_sum"
CMD ["node"]
DOCKERFILE
echo "== docker build $image (Node $node_version)"
docker build -q -t "$image" "$ctx" >/dev/null
echo "built $image"
echo "$image" >&3
