import type http from 'node:http';
import { AwsError } from './errors.js';

/**
 * The largest request body each service accepts, decided from the headers alone so that an
 * oversized request is refused before its body is read or parsed. The figures follow AWS's
 * payload limits, measured on the wire (base64 and JSON add a third and a little); the models
 * still enforce the exact limits on the decoded values:
 * - Kinesis PutRecords: 5 MiB of records per request (Kinesis Data Streams quotas) → 7 MiB on the
 *   wire; other Kinesis calls 2 MiB (PutRecord carries up to 1 MiB of data, 1.33 MiB in base64).
 * - Lambda Invoke: 6 MB synchronous payload → 6.5 MiB; CreateFunction / UpdateFunctionCode with a
 *   50 MB zip in base64 JSON → 70 MiB; other Lambda calls 1 MiB.
 * - CloudWatch: HTTP POST requests up to 1 MB (CloudWatch service quotas) → 1 MiB.
 * - SQS: 1 MiB messages → 2 MiB (JSON escaping). SNS: 256 KB messages → 1 MiB form-encoded.
 * - EventBridge, CloudFormation (51,200-byte TemplateBody), STS: 1 MiB.
 * - S3 (deployment artifacts kept in memory): 64 MiB, the emulator's former limit for everything.
 */
const MIB = 1024 * 1024;
const DEFAULT_LIMIT = MIB;

export interface BodyLimit {
  bytes: number;
  /** The error to answer with when the body is larger. */
  error: (size: number) => AwsError;
}

const tooLarge =
  (limit: number, what: string) =>
  (size: number): AwsError =>
    new AwsError(
      'RequestEntityTooLarge',
      `Request body of ${size} bytes or more exceeds the ${limit} bytes ${what} accepts`,
      413,
    );

export function bodyLimitFor(req: http.IncomingMessage): BodyLimit {
  const target = header(req, 'x-amz-target') ?? '';
  const path = (req.url ?? '/').split('?')[0]!;
  const service = /Credential=[^/]*\/\d{8}\/[^/]+\/([^/]+)\/aws4_request/.exec(
    header(req, 'authorization') ?? '',
  )?.[1];
  const limit = (bytes: number, what: string): BodyLimit => ({
    bytes,
    error: tooLarge(bytes, what),
  });
  if (target.startsWith('Kinesis_20131202.')) {
    return target.endsWith('.PutRecords')
      ? limit(7 * MIB, 'Kinesis PutRecords')
      : limit(2 * MIB, 'Kinesis');
  }
  if (path.startsWith('/2015-03-31/functions')) {
    if (path.endsWith('/invocations')) {
      const bytes = 6.5 * MIB;
      return {
        bytes,
        error: () =>
          new AwsError(
            'RequestTooLargeException',
            'Request must be smaller than 6291456 bytes for the InvokeFunction operation',
            413,
          ),
      };
    }
    return limit(70 * MIB, 'Lambda');
  }
  if (target.startsWith('AmazonSQS.') || service === 'sqs') return limit(2 * MIB, 'SQS');
  if (service === 's3') return limit(64 * MIB, 'the emulated S3');
  return limit(DEFAULT_LIMIT, service ? `the ${service} service` : 'the emulator');
}

function header(req: http.IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}
