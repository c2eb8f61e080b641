import { createHash } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { ObjectReader } from '../contracts.js';
import { AwsError } from '../protocol/errors.js';

export interface S3Object {
  key: string;
  body: Buffer;
  /** Quoted MD5 of the body, as S3 reports single-part uploads. */
  etag: string;
  contentType: string;
  /** `x-amz-meta-*` headers, lower-case names without the prefix. */
  metadata: Record<string, string>;
  lastModified: number;
  /** Checksums the client sent (`x-amz-checksum-crc32` ...), returned as they came. */
  checksums: Record<string, string>;
}

export interface Bucket {
  name: string;
  region: string;
  creationDate: number;
  policy?: string;
  /** The `ServerSideEncryptionConfiguration` XML last put; S3's default (SSE-S3) when unset. */
  encryption?: string;
  tags?: Array<{ Key: string; Value: string }>;
  objects: Map<string, S3Object>;
}

export interface ListObjectsInput {
  prefix?: string;
  delimiter?: string;
  maxKeys?: number;
  /** Start after this key (ContinuationToken and StartAfter both come down to it). */
  after?: string;
}

export interface ListObjectsResult {
  contents: S3Object[];
  commonPrefixes: string[];
  isTruncated: boolean;
  /** The last key or prefix returned, where the next page starts. */
  lastKey?: string;
}

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** An S3 error; `extra` are the elements S3 adds to `<Error>` (BucketName, Key). */
export class S3Error extends AwsError {
  constructor(
    code: string,
    message: string,
    status: number,
    readonly extra: Record<string, string> = {},
  ) {
    super(code, message, status);
  }
}

const s3Error = (code: string, message: string, status: number, extra?: Record<string, string>) =>
  new S3Error(code, message, status, extra);

export const noSuchBucket = (name: string) =>
  s3Error('NoSuchBucket', 'The specified bucket does not exist', 404, { BucketName: name });

/**
 * S3 buckets and objects in memory. Bucket names are global across regions, as in S3; objects
 * keep their bytes, metadata and MD5 ETag. No versioning: a put replaces the object.
 */
export class S3Model implements ObjectReader {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly clock: Clock) {}

  createBucket(name: string, region: string): Bucket {
    if (!BUCKET_NAME.test(name) || name.includes('..') || /^\d+\.\d+\.\d+\.\d+$/.test(name)) {
      throw s3Error('InvalidBucketName', 'The specified bucket is not valid.', 400, {
        BucketName: name,
      });
    }
    const existing = this.buckets.get(name);
    if (existing) {
      // us-east-1 answers 200 to a second create by the owner, for compatibility; others refuse.
      if (region === 'us-east-1' && existing.region === region) return existing;
      throw s3Error(
        'BucketAlreadyOwnedByYou',
        'Your previous request to create the named bucket succeeded and you already own it.',
        409,
        { BucketName: name },
      );
    }
    const bucket: Bucket = { name, region, creationDate: this.clock.now(), objects: new Map() };
    this.buckets.set(name, bucket);
    return bucket;
  }

  bucket(name: string): Bucket {
    const bucket = this.buckets.get(name);
    if (!bucket) throw noSuchBucket(name);
    return bucket;
  }

  hasBucket(name: string): boolean {
    return this.buckets.has(name);
  }

  listBuckets(): Bucket[] {
    return [...this.buckets.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  deleteBucket(name: string): void {
    const bucket = this.bucket(name);
    if (bucket.objects.size > 0) {
      throw s3Error('BucketNotEmpty', 'The bucket you tried to delete is not empty', 409, {
        BucketName: name,
      });
    }
    this.buckets.delete(name);
  }

  putPolicy(name: string, policy: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(policy);
    } catch {
      throw s3Error(
        'MalformedPolicy',
        "Policies must be valid JSON and the first byte must be '{'",
        400,
      );
    }
    if (typeof parsed !== 'object' || parsed === null || !('Statement' in parsed)) {
      throw s3Error('MalformedPolicy', 'Missing required field Statement', 400);
    }
    this.bucket(name).policy = policy;
  }

  getPolicy(name: string): string {
    const policy = this.bucket(name).policy;
    if (policy === undefined) {
      throw s3Error('NoSuchBucketPolicy', 'The bucket policy does not exist', 404, {
        BucketName: name,
      });
    }
    return policy;
  }

  deletePolicy(name: string): void {
    delete this.bucket(name).policy;
  }

  putObject(
    bucketName: string,
    key: string,
    body: Buffer,
    opts: {
      contentType?: string;
      metadata?: Record<string, string>;
      checksums?: Record<string, string>;
    } = {},
  ): S3Object {
    const bucket = this.bucket(bucketName);
    if (key === '' || Buffer.byteLength(key) > 1024) {
      throw s3Error('KeyTooLongError', 'Your key is too long', 400);
    }
    const object: S3Object = {
      key,
      body,
      etag: `"${createHash('md5').update(body).digest('hex')}"`,
      contentType: opts.contentType ?? 'binary/octet-stream',
      metadata: { ...(opts.metadata ?? {}) },
      lastModified: this.clock.now(),
      checksums: { ...(opts.checksums ?? {}) },
    };
    bucket.objects.set(key, object);
    return object;
  }

  getObject(bucketName: string, key: string): S3Object {
    const object = this.bucket(bucketName).objects.get(key);
    if (!object) {
      throw s3Error('NoSuchKey', 'The specified key does not exist.', 404, { Key: key });
    }
    return object;
  }

  /** Deleting a key that is not there succeeds, as in S3. */
  deleteObject(bucketName: string, key: string): void {
    this.bucket(bucketName).objects.delete(key);
  }

  listObjects(bucketName: string, input: ListObjectsInput): ListObjectsResult {
    const bucket = this.bucket(bucketName);
    const prefix = input.prefix ?? '';
    const maxKeys = Math.max(0, Math.min(input.maxKeys ?? 1000, 1000));
    const keys = [...bucket.objects.keys()].filter((k) => k.startsWith(prefix)).sort();
    const contents: S3Object[] = [];
    const commonPrefixes: string[] = [];
    let lastKey: string | undefined;
    let isTruncated = false;
    for (const key of keys) {
      if (input.after !== undefined && key <= input.after) continue;
      let common: string | undefined;
      if (input.delimiter) {
        const at = key.indexOf(input.delimiter, prefix.length);
        if (at >= 0) common = key.slice(0, at + input.delimiter.length);
      }
      // Keys under a common prefix already returned are rolled into it.
      if (common !== undefined && commonPrefixes.at(-1) === common) continue;
      if (input.after !== undefined && common !== undefined && common <= input.after) continue;
      if (contents.length + commonPrefixes.length >= maxKeys) {
        isTruncated = true;
        break;
      }
      if (common !== undefined) {
        commonPrefixes.push(common);
        lastKey = common;
      } else {
        contents.push(bucket.objects.get(key)!);
        lastKey = key;
      }
    }
    return { contents, commonPrefixes, isTruncated, ...(lastKey ? { lastKey } : {}) };
  }

  /** For CloudFormation and Lambda: an object's bytes, or undefined when bucket or key is missing. */
  readObject(bucketName: string, key: string): Buffer | undefined {
    return this.buckets.get(bucketName)?.objects.get(key)?.body;
  }
}
