import { createHash } from 'node:crypto';
import http from 'node:http';
import { Readable } from 'node:stream';
import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteBucketPolicyCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketEncryptionCommand,
  GetBucketLocationCommand,
  GetBucketPolicyCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutBucketEncryptionCommand,
  PutBucketPolicyCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientConfig } from '../../aws/clients.js';
import { ManualClock } from '../clock.js';
import { EdgeServer } from '../server.js';
import { StsEndpoint } from '../sts/protocol.js';
import { S3Model } from './model.js';
import { S3Endpoint } from './protocol.js';

const ACCOUNT = '000000000000';

describe('S3 and STS emulators through the SDK v3 clients', () => {
  let server: EdgeServer;
  let url: string;
  let s3: S3Client;
  let model: S3Model;

  beforeAll(async () => {
    model = new S3Model(new ManualClock(Date.parse('2026-12-02T00:00:00Z')));
    server = new EdgeServer({
      defaultRegion: 'us-east-1',
      accountId: ACCOUNT,
      endpoints: [new S3Endpoint(model), new StsEndpoint()],
    });
    url = (await server.listen(0)).url;
    s3 = new S3Client({
      ...clientConfig({ endpoint: url, region: 'us-east-1' }, {}),
      forcePathStyle: true,
    });
  });
  afterAll(async () => {
    s3.destroy();
    await server.close();
  });

  async function s3Error(p: Promise<unknown>): Promise<S3ServiceException> {
    const err = await p.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(S3ServiceException);
    return err as S3ServiceException;
  }

  it('GetCallerIdentity names the emulator account', async () => {
    const sts = new STSClient(clientConfig({ endpoint: url, region: 'us-east-1' }, {}));
    const id = await sts.send(new GetCallerIdentityCommand({}));
    expect(id).toMatchObject({ Account: ACCOUNT, Arn: `arn:aws:iam::${ACCOUNT}:root` });
    sts.destroy();
  });

  it('creates, heads, locates and deletes a bucket', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'deploy-bucket' }));
    const head = await s3.send(new HeadBucketCommand({ Bucket: 'deploy-bucket' }));
    expect(head.BucketRegion).toBe('us-east-1');
    const location = await s3.send(new GetBucketLocationCommand({ Bucket: 'deploy-bucket' }));
    expect(location.LocationConstraint ?? '').toBe('');
    const list = await s3.send(new ListBucketsCommand({}));
    expect(list.Buckets?.map((b) => b.Name)).toContain('deploy-bucket');
    await s3.send(new DeleteBucketCommand({ Bucket: 'deploy-bucket' }));
    const missing = await s3Error(s3.send(new HeadBucketCommand({ Bucket: 'deploy-bucket' })));
    expect(missing.$metadata.httpStatusCode).toBe(404);
    const gone = await s3Error(s3.send(new GetBucketLocationCommand({ Bucket: 'deploy-bucket' })));
    expect(gone.name).toBe('NoSuchBucket');
  });

  it('refuses bad bucket names and deleting a bucket that has objects', async () => {
    expect((await s3Error(s3.send(new CreateBucketCommand({ Bucket: 'Bad_Name' })))).name).toBe(
      'InvalidBucketName',
    );
    await s3.send(new CreateBucketCommand({ Bucket: 'full' }));
    await s3.send(new PutObjectCommand({ Bucket: 'full', Key: 'a', Body: 'x' }));
    const err = await s3Error(s3.send(new DeleteBucketCommand({ Bucket: 'full' })));
    expect(err.name).toBe('BucketNotEmpty');
    expect(err.$metadata.httpStatusCode).toBe(409);
  });

  it('keeps a bucket policy and encryption, with SSE-S3 as the default', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'policy-bucket' }));
    const noPolicy = await s3Error(
      s3.send(new GetBucketPolicyCommand({ Bucket: 'policy-bucket' })),
    );
    expect(noPolicy.name).toBe('NoSuchBucketPolicy');
    const policy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: '*' }],
    });
    await s3.send(new PutBucketPolicyCommand({ Bucket: 'policy-bucket', Policy: policy }));
    expect((await s3.send(new GetBucketPolicyCommand({ Bucket: 'policy-bucket' }))).Policy).toBe(
      policy,
    );
    await s3.send(new DeleteBucketPolicyCommand({ Bucket: 'policy-bucket' }));
    await s3Error(s3.send(new GetBucketPolicyCommand({ Bucket: 'policy-bucket' })));
    const bad = await s3Error(
      s3.send(new PutBucketPolicyCommand({ Bucket: 'policy-bucket', Policy: 'nope' })),
    );
    expect(bad.name).toBe('MalformedPolicy');

    const dflt = await s3.send(new GetBucketEncryptionCommand({ Bucket: 'policy-bucket' }));
    expect(
      dflt.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault
        ?.SSEAlgorithm,
    ).toBe('AES256');
    await s3.send(
      new PutBucketEncryptionCommand({
        Bucket: 'policy-bucket',
        ServerSideEncryptionConfiguration: {
          Rules: [
            {
              ApplyServerSideEncryptionByDefault: {
                SSEAlgorithm: 'aws:kms',
                KMSMasterKeyID: 'alias/x',
              },
            },
          ],
        },
      }),
    );
    const kms = await s3.send(new GetBucketEncryptionCommand({ Bucket: 'policy-bucket' }));
    expect(
      kms.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault,
    ).toEqual({
      SSEAlgorithm: 'aws:kms',
      KMSMasterKeyID: 'alias/x',
    });
  });

  it('stores objects with metadata and lists them page by page', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'objects' }));
    const put = await s3.send(
      new PutObjectCommand({
        Bucket: 'objects',
        Key: 'serverless/svc/local/1/artifact.zip',
        Body: Buffer.from('zip bytes'),
        ContentType: 'application/zip',
        Metadata: { filesha256: 'abc=' },
      }),
    );
    expect(put.ETag).toBe(`"${createHash('md5').update('zip bytes').digest('hex')}"`);
    const head = await s3.send(
      new HeadObjectCommand({ Bucket: 'objects', Key: 'serverless/svc/local/1/artifact.zip' }),
    );
    expect(head).toMatchObject({ ContentLength: 9, ContentType: 'application/zip' });
    expect(head.Metadata).toEqual({ filesha256: 'abc=' });
    const got = await s3.send(
      new GetObjectCommand({ Bucket: 'objects', Key: 'serverless/svc/local/1/artifact.zip' }),
    );
    expect(await got.Body?.transformToString()).toBe('zip bytes');

    // A stream body of unknown length goes out as aws-chunked with a trailing checksum.
    await s3.send(
      new PutObjectCommand({
        Bucket: 'objects',
        Key: 'dir with space/b+c.txt',
        Body: Readable.from([Buffer.from('hello '), Buffer.from('world')]),
        ContentLength: 11,
      }),
    );
    const streamed = await s3.send(
      new GetObjectCommand({ Bucket: 'objects', Key: 'dir with space/b+c.txt' }),
    );
    expect(await streamed.Body?.transformToString()).toBe('hello world');

    for (const k of ['p/1', 'p/2', 'p/3', 'q/1']) {
      await s3.send(new PutObjectCommand({ Bucket: 'objects', Key: k, Body: k }));
    }
    const page1 = await s3.send(
      new ListObjectsV2Command({ Bucket: 'objects', Prefix: 'p/', MaxKeys: 2 }),
    );
    expect(page1.Contents?.map((c) => c.Key)).toEqual(['p/1', 'p/2']);
    expect(page1.IsTruncated).toBe(true);
    const page2 = await s3.send(
      new ListObjectsV2Command({
        Bucket: 'objects',
        Prefix: 'p/',
        ContinuationToken: page1.NextContinuationToken,
      }),
    );
    expect(page2.Contents?.map((c) => c.Key)).toEqual(['p/3']);
    expect(page2.IsTruncated).toBe(false);
    const folders = await s3.send(new ListObjectsV2Command({ Bucket: 'objects', Delimiter: '/' }));
    expect(folders.CommonPrefixes?.map((p) => p.Prefix)).toEqual([
      'dir with space/',
      'p/',
      'q/',
      'serverless/',
    ]);
    expect(folders.KeyCount).toBe(4);

    await s3.send(
      new CopyObjectCommand({ Bucket: 'objects', Key: 'copy', CopySource: 'objects/p/1' }),
    );
    const versions = await s3.send(
      new ListObjectVersionsCommand({ Bucket: 'objects', Prefix: 'copy' }),
    );
    expect(versions.Versions?.map((v) => [v.Key, v.VersionId])).toEqual([['copy', 'null']]);

    await s3.send(new DeleteObjectCommand({ Bucket: 'objects', Key: 'q/1' }));
    const missing = await s3Error(s3.send(new GetObjectCommand({ Bucket: 'objects', Key: 'q/1' })));
    expect(missing.name).toBe('NoSuchKey');
    const deleted = await s3.send(
      new DeleteObjectsCommand({
        Bucket: 'objects',
        Delete: { Objects: [{ Key: 'p/1' }, { Key: 'p/2' }, { Key: 'never-there' }] },
      }),
    );
    expect(deleted.Deleted?.map((d) => d.Key)).toEqual(['p/1', 'p/2', 'never-there']);
    const left = await s3.send(new ListObjectsV2Command({ Bucket: 'objects', Prefix: 'p/' }));
    expect(left.Contents?.map((c) => c.Key)).toEqual(['p/3']);
  });

  it('routes virtual-host style requests by the Host header', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'vhost' }));
    await s3.send(new PutObjectCommand({ Bucket: 'vhost', Key: 'k/v.txt', Body: 'virtual' }));
    const port = new URL(url).port;
    const get = (host: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = http.request(
          {
            host: '127.0.0.1',
            port,
            path: '/k/v.txt',
            headers: {
              host,
              authorization:
                'AWS4-HMAC-SHA256 Credential=test/20261202/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=x',
            },
          },
          (res) => {
            let body = '';
            res.on('data', (c: Buffer) => (body += c.toString()));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
          },
        );
        req.on('error', reject);
        req.end();
      });
    expect(await get(`vhost.s3.us-east-1.amazonaws.com:${port}`)).toEqual({
      status: 200,
      body: 'virtual',
    });
    expect(await get(`vhost.localhost:${port}`)).toEqual({ status: 200, body: 'virtual' });
    const missing = await get(`nobucket.s3.amazonaws.com:${port}`);
    expect(missing.status).toBe(404);
    expect(missing.body).toContain('<Code>NoSuchBucket</Code>');
    expect(missing.body).toContain('<BucketName>nobucket</BucketName>');
  });

  it('names what it does not implement', async () => {
    const res = await fetch(`${url}/objects?lifecycle`, {
      headers: {
        authorization:
          'AWS4-HMAC-SHA256 Credential=test/20261202/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=x',
      },
    });
    expect(res.status).toBe(501);
    expect(await res.text()).toMatch(/<Code>NotImplemented<\/Code>.*lifecycle/);
  });
});
