import { existsSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { AwsError } from '../protocol/errors.js';

/**
 * Request validation for the Lambda emulator, in zod as Kinesis and CloudWatch do theirs. Each rule
 * carries the AWS error it fails with (Lambda answers `InvalidParameterValueException` for some
 * faults and `ValidationException` for others), and the first failing field is reported.
 */

/** Node.js runtimes the emulator can stand in for (it runs every function on its own Node). */
export const NODE_RUNTIMES = ['nodejs18.x', 'nodejs20.x', 'nodejs22.x', 'nodejs24.x'];
export const ARCHITECTURES = ['x86_64', 'arm64'] as const;

export const NAME_RE = /^[a-zA-Z0-9_-]{1,64}$/;
const ROLE_RE = /^arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role\/?[a-zA-Z_0-9+=,.@\-/]+$/;
const ENV_KEY_RE = /^[a-zA-Z][a-zA-Z0-9_]+$/;
/** Keys the Lambda service sets itself and refuses in a function's configuration. */
const RESERVED_ENV_KEYS = new Set([
  '_HANDLER',
  '_X_AMZN_TRACE_ID',
  'AWS_DEFAULT_REGION',
  'AWS_REGION',
  'AWS_EXECUTION_ENV',
  'AWS_LAMBDA_FUNCTION_NAME',
  'AWS_LAMBDA_FUNCTION_MEMORY_SIZE',
  'AWS_LAMBDA_FUNCTION_VERSION',
  'AWS_LAMBDA_INITIALIZATION_TYPE',
  'AWS_LAMBDA_LOG_GROUP_NAME',
  'AWS_LAMBDA_LOG_STREAM_NAME',
  'AWS_ACCESS_KEY',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_LAMBDA_RUNTIME_API',
  'LAMBDA_TASK_ROOT',
  'LAMBDA_RUNTIME_DIR',
]);
const MAX_ZIP_BYTES = 50 * 1024 * 1024;
const MAX_ENV_BYTES = 4 * 1024;

export const invalidParameter = (message: string) =>
  new AwsError('InvalidParameterValueException', message, 400);
export const validation = (field: string, value: unknown, constraint: string) =>
  new AwsError(
    'ValidationException',
    `1 validation error detected: Value '${String(value)}' at '${field}' failed to satisfy constraint: ${constraint}`,
    400,
  );

/** Issues carry the AwsError to raise in `params.error`. */
type Fail = (error: AwsError) => never;

/**
 * A field checked by `check`, which returns the accepted value or calls `fail` with the AWS error;
 * `undefined` (absent) passes through unless the field is required.
 */
function field<T>(check: (value: unknown, fail: Fail) => T) {
  // `optional()` makes zod run the check for absent keys too, so required fields can fail.
  return z
    .unknown()
    .optional()
    .transform((value, ctx): T => {
      class Failed extends Error {}
      let raised: AwsError | undefined;
      try {
        return check(value, (error) => {
          raised = error;
          throw new Failed();
        });
      } catch (err) {
        if (!(err instanceof Failed)) throw err;
        ctx.addIssue({ code: 'custom', message: raised!.message, params: { error: raised } });
        return z.NEVER;
      }
    });
}

const runtime = (required: boolean) =>
  field((v, fail) => {
    if (v === undefined && !required) return undefined;
    if (typeof v !== 'string' || v === '') {
      return fail(invalidParameter('The Runtime parameter is required for .zip packages.'));
    }
    if (!NODE_RUNTIMES.includes(v)) {
      return fail(
        invalidParameter(
          `The runtime ${v} is not supported by the embedded emulator, which runs Node.js functions only (${NODE_RUNTIMES.join(', ')}).`,
        ),
      );
    }
    return v;
  });

const role = (required: boolean) =>
  field((v, fail) => {
    if (v === undefined && !required) return undefined;
    if (typeof v !== 'string' || !ROLE_RE.test(v)) {
      return fail(
        validation(
          'role',
          v,
          'Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+',
        ),
      );
    }
    return v;
  });

const handler = (required: boolean) =>
  field((v, fail) => {
    if (v === undefined && !required) return undefined;
    if (typeof v !== 'string' || v.length > 128 || /\s/.test(v) || v === '') {
      return fail(
        validation(
          'handler',
          v,
          'Member must satisfy regular expression pattern: [^\\s]+ and have length less than or equal to 128',
        ),
      );
    }
    const dot = v.lastIndexOf('.');
    if (dot <= 0 || dot === v.length - 1) {
      return fail(
        invalidParameter(
          `The handler ${v} must have the form file.export (for example index.handler).`,
        ),
      );
    }
    return v;
  });

const environment = field((value, fail): Record<string, string> | undefined => {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object') return fail(invalidParameter('Environment must be an object'));
  const vars = (value as { Variables?: unknown }).Variables ?? {};
  if (typeof vars !== 'object' || vars === null || Array.isArray(vars)) {
    return fail(invalidParameter('Environment.Variables must be a map of strings'));
  }
  const out: Record<string, string> = {};
  const reserved: string[] = [];
  for (const [k, v] of Object.entries(vars)) {
    if (!ENV_KEY_RE.test(k)) {
      return fail(
        validation(
          'environment.variables',
          k,
          'Member must satisfy regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+',
        ),
      );
    }
    if (typeof v !== 'string') {
      return fail(invalidParameter(`Environment variable ${k} must be a string`));
    }
    if (RESERVED_ENV_KEYS.has(k)) reserved.push(k);
    out[k] = v;
  }
  if (reserved.length > 0) {
    return fail(
      invalidParameter(
        `Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: ${reserved.join(', ')}`,
      ),
    );
  }
  if (Buffer.byteLength(JSON.stringify(out)) > MAX_ENV_BYTES) {
    return fail(
      invalidParameter(
        `Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit.`,
      ),
    );
  }
  return out;
});

const int = (name: string, min: number, max: number) =>
  field((v, fail): number | undefined => {
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      return fail(
        validation(
          name,
          v,
          `Member must have value ${Number(v) < min ? `greater than or equal to ${min}` : `less than or equal to ${max}`}`,
        ),
      );
    }
    return v;
  });

const description = field((v, fail): string | undefined => {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || v.length > 256) {
    return fail(validation('description', v, 'Member must have length less than or equal to 256'));
  }
  return v;
});

const tags = field((v, fail): Record<string, string> => {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) {
    return fail(invalidParameter('Tags must be a map of strings'));
  }
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, String(x)]));
});

const architectures = field((v, fail): string[] | undefined => {
  if (v === undefined || v === null) return undefined;
  if (
    !Array.isArray(v) ||
    v.length !== 1 ||
    !(ARCHITECTURES as readonly unknown[]).includes(v[0])
  ) {
    return fail(
      validation(
        'architectures',
        JSON.stringify(v),
        'Member must have length 1 and satisfy enum value set: [x86_64, arm64]',
      ),
    );
  }
  return [v[0] as string];
});

const deadLetterConfig = field((v, fail): { TargetArn?: string } | undefined => {
  if (v === undefined || v === null) return undefined;
  const target = (v as { TargetArn?: unknown }).TargetArn;
  if (target === undefined || target === '') return {};
  if (typeof target !== 'string' || !/^arn:aws[a-zA-Z-]*:(sqs|sns):/.test(target)) {
    return fail(
      invalidParameter(
        `The DeadLetterConfig target ${String(target)} must be the ARN of an SQS queue or SNS topic.`,
      ),
    );
  }
  return { TargetArn: target };
});

const code = field((c, fail): Buffer => {
  if (typeof c !== 'object' || c === null) {
    return fail(invalidParameter('Code is required and must contain ZipFile.'));
  }
  const o = c as Record<string, unknown>;
  if (o.S3Bucket !== undefined || o.S3Key !== undefined || o.ImageUri !== undefined) {
    return fail(
      invalidParameter(
        'The embedded emulator accepts function code as Code.ZipFile only (no S3 or image sources).',
      ),
    );
  }
  const z0 = o.ZipFile;
  let bytes: Buffer | undefined;
  if (Buffer.isBuffer(z0)) bytes = z0;
  else if (z0 instanceof Uint8Array) bytes = Buffer.from(z0);
  if (!bytes || bytes.length === 0) {
    return fail(invalidParameter('Code.ZipFile is required and must not be empty.'));
  }
  if (bytes.length > MAX_ZIP_BYTES) {
    return fail(
      new AwsError(
        'RequestEntityTooLargeException',
        `Zipped file size (${bytes.length} bytes) exceeds the maximum of ${MAX_ZIP_BYTES} bytes`,
        413,
      ),
    );
  }
  return bytes;
});

const packageType = field((v, fail) => {
  if (v !== undefined && v !== 'Zip') {
    return fail(
      invalidParameter(
        'The embedded emulator runs .zip packages only; container images are not supported.',
      ),
    );
  }
  return 'Zip' as const;
});

const configuration = (required: boolean) => ({
  Runtime: runtime(required),
  Role: role(required),
  Handler: handler(required),
  Environment: environment,
  Timeout: int('timeout', 1, 900),
  MemorySize: int('memorySize', 128, 10240),
  Description: description,
  DeadLetterConfig: deadLetterConfig,
});

// PackageType is checked before the rest, as Lambda refuses an image before reading its fields.
export const createFunctionSchema = z.object({
  PackageType: packageType,
  ...configuration(true),
  Tags: tags,
  Architectures: architectures,
  Code: code,
});

export const updateConfigurationSchema = z.object(configuration(false));

export const zipFileSchema = z.object({ Code: code });

/** Async invocation settings (Put/UpdateFunctionEventInvokeConfig). */
export const eventInvokeConfigSchema = z.object({
  MaximumRetryAttempts: int('maximumRetryAttempts', 0, 2),
  MaximumEventAgeInSeconds: int('maximumEventAgeInSeconds', 60, 21600),
  DestinationConfig: field((v, fail) => {
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'object' || Array.isArray(v)) {
      return fail(invalidParameter('DestinationConfig must be an object'));
    }
    const out: { OnSuccess?: { Destination?: string }; OnFailure?: { Destination?: string } } = {};
    for (const key of ['OnSuccess', 'OnFailure'] as const) {
      const d = (v as Record<string, { Destination?: unknown } | undefined>)[key]?.Destination;
      if (d === undefined || d === null || d === '') continue;
      if (typeof d !== 'string' || !/^arn:aws[a-zA-Z-]*:(sqs|sns|lambda|events|s3):/.test(d)) {
        return fail(invalidParameter(`The destination ARN ${String(d)} is invalid.`));
      }
      out[key] = { Destination: d };
    }
    return out;
  }),
});

/**
 * Validates `input` against `schema` and throws the AWS error of the first failing field. The
 * schemas above are all-optional at the top level, so only our own rules can fail.
 */
export function parseLambdaInput<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const raised = (issue as { params?: { error?: unknown } }).params?.error;
  if (raised instanceof AwsError) throw raised;
  throw invalidParameter(`${issue.path.join('.')}: ${issue.message}`);
}

/** The handler's module must exist in the code (a .js, .mjs or .cjs file). */
export function assertHandlerFile(dir: string, handlerName: string): void {
  const modulePath = handlerName.slice(0, handlerName.lastIndexOf('.'));
  for (const ext of ['.js', '.mjs', '.cjs']) {
    if (existsSync(path.join(dir, modulePath + ext))) return;
  }
  throw invalidParameter(
    `The handler ${handlerName} needs ${modulePath}.js, ${modulePath}.mjs or ${modulePath}.cjs in the function's code, which does not contain it`,
  );
}
