# The embedded emulator as a container: AWS endpoints on 4566 with the autoscaler deployed at start
# (`kas local`, the same deploy-on-start path as `npm start`).
#   docker build -t kinesis-autoscaler-emulator .
#   docker run --rm -p 127.0.0.1:4566:4566 kinesis-autoscaler-emulator
# Where no image registry is reachable, build a local base first (scripts/container-base.sh) and
# pass it: docker build --build-arg BASE_IMAGE=kinesis-autoscaler-base:bookworm-node20 ...
# The base needs Node 20 or newer with npm; nothing else (no curl: the health check is Node).
ARG BASE_IMAGE=node:20-bookworm-slim
FROM ${BASE_IMAGE}

WORKDIR /app
ENV SLS_TELEMETRY_DISABLED=1 \
    SLS_NOTIFICATIONS_MODE=off \
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true

# Dependencies first, so a source change reuses this layer. Dev dependencies are needed: the
# autoscaler is packaged with osls and serverless-esbuild when the container starts.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund && npm cache clean --force

COPY . .
# Fails the build, not the start, when the CLI does not load.
RUN node bin/kas.js --help >/dev/null

EXPOSE 4566
# Healthy once the emulator answers and the autoscaler's stack is deployed, not merely listening.
HEALTHCHECK --interval=3s --timeout=5s --start-period=180s --retries=3 \
    CMD ["node", "scripts/container-health.mjs"]
# Bound to all interfaces inside the container; publish it on the host's loopback only
# (-p 127.0.0.1:4566:4566), since the emulator accepts any credentials.
ENTRYPOINT ["node", "bin/kas.js", "local", "--host", "0.0.0.0", "--port", "4566"]
CMD []
