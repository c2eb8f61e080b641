#!/usr/bin/env node
// The `kas` / `kinesis-autoscaler` command. It runs the TypeScript sources through tsx, so the CLI
// needs no build step and always matches the code beside it.
import { register } from 'tsx/esm/api';

// Dependencies are pinned by the lockfile, so the SDK's notice about its future Node 22 floor is
// noise on every command here (the Lambdas themselves run on nodejs22.x).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

register();
await import('../src/cli/main.ts');
