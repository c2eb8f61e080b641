import { createHash } from 'node:crypto';
import { AwsError } from '../protocol/errors.js';
import type { AwsRequest, AwsResponse, ServiceEndpoint } from '../protocol/types.js';
import type { S3Model, S3Object } from './model.js';
import { decodePayload, parseXml, s3ErrorResponse, xmlBody } from './wire.js';

/** Query parameters that name a sub-resource (the operation), as opposed to plain arguments. */
const SUBRESOURCES = new Set([
  'accelerate', 'acl', 'analytics', 'attributes', 'cors', 'delete', 'encryption',
  'intelligent-tiering', 'inventory', 'legal-hold', 'lifecycle', 'location', 'logging', 'metrics',
  'notification', 'object-lock', 'ownershipControls', 'policy', 'policyStatus', 'publicAccessBlock',
  'replication', 'requestPayment', 'restore', 'retention', 'select', 'tagging', 'torrent',
  'uploadId', 'uploads', 'versioning', 'versions', 'website',
]); // prettier-ignore

const DEFAULT_ENCRYPTION = {
  Rule: { ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' }, BucketKeyEnabled: false },
};

interface Route {
  bucket?: string;
  key?: string;
  sub?: string;
}

/**
 * S3's REST/XML protocol: path-style (`/bucket/key`) and virtual-host style (`bucket.s3.<...>`,
 * `bucket.localhost`) addressing, recognised by the SigV4 scope `s3`. Covers what deployment tools
 * use on a deployment bucket; other sub-resources answer `NotImplemented` naming them.
 */
export class S3Endpoint implements ServiceEndpoint {
  readonly name = 's3';

  constructor(private readonly model: S3Model) {}

  accepts(req: AwsRequest): boolean {
    if (req.signingService === 's3') return true;
    // Presigned URLs carry the scope in the query string.
    return /^[^/]*\/\d{8}\/[^/]+\/s3\/aws4_request$/.test(req.query.get('X-Amz-Credential') ?? '');
  }

  async handle(req: AwsRequest): Promise<AwsResponse> {
    const head = req.method === 'HEAD';
    try {
      const route = this.route(req);
      if (route.bucket === undefined) {
        if (req.method === 'GET') return this.listBuckets(req);
        throw notImplemented(`${req.method} /`);
      }
      return route.key === undefined
        ? this.bucketOperation(req, route.bucket, route.sub)
        : this.objectOperation(req, route.bucket, route.key, route.sub);
    } catch (err) {
      return s3ErrorResponse(err, req.requestId, head);
    }
  }

  private route(req: AwsRequest): Route {
    const sub = [...req.query.keys()].find((k) => SUBRESOURCES.has(k));
    const host = String(req.headers.host ?? '').replace(/:\d+$/, '');
    const virtual = /^(.+?)\.s3[.-]/.exec(host) ?? /^(.+)\.localhost$/.exec(host);
    const segments = req.path.split('/').slice(1);
    let bucket: string | undefined;
    let keyParts: string[];
    if (virtual && !/^\d+\.\d+\.\d+\.\d+$/.test(host)) {
      bucket = virtual[1];
      keyParts = segments;
    } else {
      bucket = segments[0] ? decode(segments[0]) : undefined;
      keyParts = segments.slice(1);
    }
    const key =
      keyParts.length > 0 && keyParts.join('/') !== '' ? keyParts.map(decode).join('/') : undefined;
    return { bucket, key, sub };
  }

  private listBuckets(req: AwsRequest): AwsResponse {
    return xmlBody('ListAllMyBucketsResult', {
      Owner: { ID: req.accountId, DisplayName: 'emulator' },
      Buckets: {
        Bucket: this.model.listBuckets().map((b) => ({
          Name: b.name,
          CreationDate: iso(b.creationDate),
          BucketRegion: b.region,
        })),
      },
    });
  }

  private bucketOperation(req: AwsRequest, bucket: string, sub: string | undefined): AwsResponse {
    const op = `${req.method} ${sub ?? ''}`.trim();
    switch (op) {
      case 'PUT': {
        let region = req.region;
        if (req.body.length > 0) {
          const conf = parseXml(req.body, 'CreateBucketConfiguration').CreateBucketConfiguration;
          const constraint = (conf as Record<string, unknown> | undefined)?.LocationConstraint;
          if (typeof constraint === 'string' && constraint !== '') {
            if (constraint !== req.region) {
              throw new AwsError(
                'IllegalLocationConstraintException',
                `The ${constraint} location constraint is incompatible for the region specific endpoint this request was sent to.`,
              );
            }
            region = constraint;
          }
        }
        this.model.createBucket(bucket, region);
        return { status: 200, headers: { location: `/${bucket}` }, body: '' };
      }
      case 'HEAD': {
        const b = this.model.bucket(bucket);
        return { status: 200, headers: { 'x-amz-bucket-region': b.region }, body: '' };
      }
      case 'DELETE':
        this.model.deleteBucket(bucket);
        return noContent();
      case 'GET location': {
        const region = this.model.bucket(bucket).region;
        // us-east-1 is reported as an empty constraint, for historical reasons.
        return xmlBody('LocationConstraint', { '#text': region === 'us-east-1' ? '' : region });
      }
      case 'GET policy':
        return {
          status: 200,
          headers: { 'content-type': 'application/json' },
          body: this.model.getPolicy(bucket),
        };
      case 'PUT policy':
        this.model.putPolicy(bucket, req.body.toString('utf8'));
        return noContent();
      case 'DELETE policy':
        this.model.deletePolicy(bucket);
        return noContent();
      case 'GET encryption': {
        const stored = this.model.bucket(bucket).encryption;
        return xmlBody(
          'ServerSideEncryptionConfiguration',
          stored === undefined
            ? DEFAULT_ENCRYPTION
            : (JSON.parse(stored) as Record<string, unknown>),
        );
      }
      case 'PUT encryption': {
        const conf = parseXml(req.body, 'ServerSideEncryptionConfiguration')
          .ServerSideEncryptionConfiguration as Record<string, unknown> | undefined;
        if (!conf || typeof conf !== 'object' || !conf.Rule) {
          throw new AwsError(
            'MalformedXML',
            'ServerSideEncryptionConfiguration must contain a Rule',
          );
        }
        this.model.bucket(bucket).encryption = JSON.stringify(conf);
        return { status: 200, body: '' };
      }
      case 'DELETE encryption':
        delete this.model.bucket(bucket).encryption;
        return noContent();
      case 'GET versioning':
        this.model.bucket(bucket);
        return xmlBody('VersioningConfiguration', {});
      case 'GET':
        return req.query.get('list-type') === '2'
          ? this.listObjectsV2(req, bucket)
          : this.listObjectsV1(req, bucket);
      case 'GET versions':
        return this.listObjectVersions(req, bucket);
      case 'POST delete':
        return this.deleteObjects(req, bucket);
      default:
        throw notImplemented(
          sub ? `${req.method} ?${sub} on a bucket` : `${req.method} on a bucket`,
        );
    }
  }

  private objectOperation(
    req: AwsRequest,
    bucket: string,
    key: string,
    sub: string | undefined,
  ): AwsResponse {
    if (sub !== undefined) throw notImplemented(`${req.method} ?${sub} on an object`);
    switch (req.method) {
      case 'PUT':
        return this.putObject(req, bucket, key);
      case 'GET':
      case 'HEAD': {
        const object = this.model.getObject(bucket, key);
        return {
          status: 200,
          headers: objectHeaders(object),
          body: req.method === 'HEAD' ? '' : object.body,
        };
      }
      case 'DELETE':
        this.model.deleteObject(bucket, key);
        return noContent();
      default:
        throw notImplemented(`${req.method} on an object`);
    }
  }

  private putObject(req: AwsRequest, bucket: string, key: string): AwsResponse {
    const source = req.headers['x-amz-copy-source'];
    if (source !== undefined) {
      const [srcBucket, ...srcKey] = decode(String(source).replace(/^\//, '').split('?')[0]!).split(
        '/',
      );
      const from = this.model.getObject(srcBucket ?? '', srcKey.join('/'));
      const replace = req.headers['x-amz-metadata-directive'] === 'REPLACE';
      const copied = this.model.putObject(bucket, key, from.body, {
        contentType: replace ? contentTypeOf(req) : from.contentType,
        metadata: replace ? metadataOf(req.headers) : from.metadata,
      });
      return xmlBody('CopyObjectResult', {
        LastModified: iso(copied.lastModified),
        ETag: copied.etag,
      });
    }
    const { payload, trailers } = decodePayload(req.body, req.headers);
    const md5 = req.headers['content-md5'];
    if (md5 !== undefined && createHash('md5').update(payload).digest('base64') !== md5) {
      throw new AwsError(
        'BadDigest',
        'The Content-MD5 you specified did not match what we received.',
      );
    }
    const checksums: Record<string, string> = {};
    for (const [name, value] of [...Object.entries(req.headers), ...Object.entries(trailers)]) {
      if (
        name.startsWith('x-amz-checksum-') &&
        name !== 'x-amz-checksum-type' &&
        typeof value === 'string'
      ) {
        checksums[name] = value;
      }
    }
    const object = this.model.putObject(bucket, key, payload, {
      contentType: contentTypeOf(req),
      metadata: metadataOf(req.headers),
      checksums,
    });
    return { status: 200, headers: { etag: object.etag, ...checksums }, body: '' };
  }

  private listObjectsV2(req: AwsRequest, bucket: string): AwsResponse {
    const q = req.query;
    const token = q.get('continuation-token') ?? undefined;
    const after = token
      ? Buffer.from(token, 'base64url').toString('utf8')
      : (q.get('start-after') ?? undefined);
    const urlEncode = q.get('encoding-type') === 'url';
    const result = this.model.listObjects(bucket, listInput(q, after));
    const enc = (s: string) => (urlEncode ? encodeKey(s) : s);
    return xmlBody('ListBucketResult', {
      Name: bucket,
      Prefix: enc(q.get('prefix') ?? ''),
      ...(q.has('delimiter') ? { Delimiter: enc(q.get('delimiter') ?? '') } : {}),
      MaxKeys: maxKeysOf(q),
      ...(urlEncode ? { EncodingType: 'url' } : {}),
      KeyCount: result.contents.length + result.commonPrefixes.length,
      IsTruncated: result.isTruncated,
      ...(token ? { ContinuationToken: token } : {}),
      ...(q.has('start-after') ? { StartAfter: enc(q.get('start-after') ?? '') } : {}),
      ...(result.isTruncated && result.lastKey
        ? { NextContinuationToken: Buffer.from(result.lastKey).toString('base64url') }
        : {}),
      Contents: result.contents.map((o) =>
        contentEntry(o, enc, req.accountId, q.get('fetch-owner') === 'true'),
      ),
      CommonPrefixes: result.commonPrefixes.map((p) => ({ Prefix: enc(p) })),
    });
  }

  private listObjectsV1(req: AwsRequest, bucket: string): AwsResponse {
    const q = req.query;
    const urlEncode = q.get('encoding-type') === 'url';
    const enc = (s: string) => (urlEncode ? encodeKey(s) : s);
    const result = this.model.listObjects(bucket, listInput(q, q.get('marker') || undefined));
    return xmlBody('ListBucketResult', {
      Name: bucket,
      Prefix: enc(q.get('prefix') ?? ''),
      Marker: enc(q.get('marker') ?? ''),
      ...(q.has('delimiter') ? { Delimiter: enc(q.get('delimiter') ?? '') } : {}),
      MaxKeys: maxKeysOf(q),
      ...(urlEncode ? { EncodingType: 'url' } : {}),
      IsTruncated: result.isTruncated,
      ...(result.isTruncated && q.has('delimiter') && result.lastKey
        ? { NextMarker: enc(result.lastKey) }
        : {}),
      Contents: result.contents.map((o) => contentEntry(o, enc, req.accountId, true)),
      CommonPrefixes: result.commonPrefixes.map((p) => ({ Prefix: enc(p) })),
    });
  }

  private listObjectVersions(req: AwsRequest, bucket: string): AwsResponse {
    const q = req.query;
    const result = this.model.listObjects(bucket, listInput(q, q.get('key-marker') || undefined));
    return xmlBody('ListVersionsResult', {
      Name: bucket,
      Prefix: q.get('prefix') ?? '',
      KeyMarker: q.get('key-marker') ?? '',
      VersionIdMarker: q.get('version-id-marker') ?? '',
      MaxKeys: maxKeysOf(q),
      IsTruncated: result.isTruncated,
      ...(result.isTruncated && result.lastKey
        ? { NextKeyMarker: result.lastKey, NextVersionIdMarker: 'null' }
        : {}),
      // Without versioning every object is its only version, with the id `null`.
      Version: result.contents.map((o) => ({
        Key: o.key,
        VersionId: 'null',
        IsLatest: true,
        LastModified: iso(o.lastModified),
        ETag: o.etag,
        Size: o.body.length,
        StorageClass: 'STANDARD',
      })),
      CommonPrefixes: result.commonPrefixes.map((p) => ({ Prefix: p })),
    });
  }

  private deleteObjects(req: AwsRequest, bucket: string): AwsResponse {
    const del = parseXml(req.body, 'Delete').Delete as Record<string, unknown> | undefined;
    if (!del || typeof del !== 'object')
      throw new AwsError('MalformedXML', 'The request must contain a Delete element');
    const raw = del.Object;
    const objects = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]) as Array<
      Record<string, unknown>
    >;
    if (objects.length > 1000) {
      throw new AwsError('MalformedXML', 'The request can delete at most 1000 objects');
    }
    this.model.bucket(bucket);
    const quiet = String(del.Quiet) === 'true';
    const deleted: Array<Record<string, string>> = [];
    for (const o of objects) {
      const key = typeof o.Key === 'string' ? o.Key : String(o.Key ?? '');
      this.model.deleteObject(bucket, key);
      deleted.push({ Key: key });
    }
    return xmlBody('DeleteResult', quiet ? {} : { Deleted: deleted });
  }
}

function listInput(q: URLSearchParams, after: string | undefined) {
  return {
    ...(q.get('prefix') ? { prefix: q.get('prefix')! } : {}),
    ...(q.get('delimiter') ? { delimiter: q.get('delimiter')! } : {}),
    maxKeys: maxKeysOf(q),
    ...(after !== undefined ? { after } : {}),
  };
}

function maxKeysOf(q: URLSearchParams): number {
  const raw = q.get('max-keys');
  if (raw === null) return 1000;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) {
    throw new AwsError(
      'InvalidArgument',
      'Provided max-keys not an integer or within integer range',
    );
  }
  return Math.min(n, 1000);
}

function contentEntry(o: S3Object, enc: (s: string) => string, owner: string, withOwner: boolean) {
  return {
    Key: enc(o.key),
    LastModified: iso(o.lastModified),
    ETag: o.etag,
    Size: o.body.length,
    StorageClass: 'STANDARD',
    ...(withOwner ? { Owner: { ID: owner, DisplayName: 'emulator' } } : {}),
  };
}

function objectHeaders(o: S3Object): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': o.contentType,
    'content-length': String(o.body.length),
    etag: o.etag,
    'last-modified': new Date(o.lastModified).toUTCString(),
    'accept-ranges': 'bytes',
    'x-amz-server-side-encryption': 'AES256',
  };
  for (const [k, v] of Object.entries(o.metadata)) headers[`x-amz-meta-${k}`] = v;
  return headers;
}

function metadataOf(headers: AwsRequest['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (k.startsWith('x-amz-meta-') && v !== undefined) out[k.slice(11)] = String(v);
  }
  return out;
}

function contentTypeOf(req: AwsRequest): string | undefined {
  const v = req.headers['content-type'];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

const noContent = (): AwsResponse => ({ status: 204, body: '' });

const notImplemented = (what: string) =>
  new AwsError(
    'NotImplemented',
    `The embedded emulator's S3 does not implement ${what}; it serves buckets (create, head, location, policy, encryption) and objects (put, get, head, list, delete)`,
    501,
  );

const iso = (ms: number) => new Date(ms).toISOString();

/** encoding-type=url: keys are URL-encoded, with `/` kept readable as S3 does. */
const encodeKey = (s: string) => encodeURIComponent(s).replace(/%2F/g, '/');

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new AwsError('InvalidURI', `Couldn't parse the specified URI: ${segment}`);
  }
}
