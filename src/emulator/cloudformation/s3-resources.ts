import { randomBytes } from 'node:crypto';
import {
  CreateBucketCommand,
  HeadBucketCommand,
  PutBucketEncryptionCommand,
  PutBucketPolicyCommand,
  type ServerSideEncryptionConfiguration,
} from '@aws-sdk/client-s3';
import type { HandlerInput, Outcome } from './apply.js';
import { TemplateError, type Json } from './template.js';

const NO_S3 =
  'applied without an S3 client: nothing was created; Lambda code is read from the artifact folder';

/**
 * A bucket without BucketName gets CloudFormation's generated name, `<stack>-<logical id>-<random>`
 * in lower case, kept for the life of the resource.
 */
function bucketName({ logicalId, props, ctx, previousPhysicalId }: HandlerInput): string {
  if (typeof props.BucketName === 'string' && props.BucketName !== '') return props.BucketName;
  if (previousPhysicalId !== undefined) return previousPhysicalId;
  const suffix = randomBytes(6).toString('hex');
  const stem = `${ctx.stackName}-${logicalId}`.toLowerCase().replace(/[^a-z0-9-]/g, '');
  return `${stem.slice(0, 63 - suffix.length - 1)}-${suffix}`;
}

export async function applyBucket(input: HandlerInput): Promise<Outcome> {
  const s3 = input.opts.clients.s3;
  const { props, ctx } = input;
  const name = s3
    ? bucketName(input)
    : typeof props.BucketName === 'string'
      ? props.BucketName
      : `${ctx.stackName}-${input.logicalId}`.toLowerCase().slice(0, 63);
  const attributes = {
    Arn: `arn:aws:s3:::${name}`,
    DomainName: `${name}.s3.amazonaws.com`,
    RegionalDomainName: `${name}.s3.${ctx.region}.amazonaws.com`,
    DualStackDomainName: `${name}.s3.dualstack.${ctx.region}.amazonaws.com`,
    WebsiteURL: `http://${name}.s3-website-${ctx.region}.amazonaws.com`,
  };
  if (!s3) return { physicalId: name, ref: name, attributes, status: 'NO_OP', note: NO_S3 };
  let exists = true;
  try {
    await s3.send(new HeadBucketCommand({ Bucket: name }));
  } catch {
    exists = false;
  }
  if (!exists) await s3.send(new CreateBucketCommand({ Bucket: name }));
  const encryption = props.BucketEncryption;
  if (isObject(encryption) && Array.isArray(encryption.ServerSideEncryptionConfiguration)) {
    // CloudFormation names the rule's default `ServerSideEncryptionByDefault`; the API adds `Apply`.
    const rules = encryption.ServerSideEncryptionConfiguration.map((rule) => {
      const r = isObject(rule) ? rule : {};
      const dflt = isObject(r.ServerSideEncryptionByDefault) ? r.ServerSideEncryptionByDefault : {};
      return {
        ...(typeof dflt.SSEAlgorithm === 'string'
          ? {
              ApplyServerSideEncryptionByDefault: {
                SSEAlgorithm: dflt.SSEAlgorithm,
                ...(typeof dflt.KMSMasterKeyID === 'string'
                  ? { KMSMasterKeyID: dflt.KMSMasterKeyID }
                  : {}),
              },
            }
          : {}),
        ...(r.BucketKeyEnabled !== undefined
          ? { BucketKeyEnabled: r.BucketKeyEnabled === true || r.BucketKeyEnabled === 'true' }
          : {}),
      };
    });
    await s3.send(
      new PutBucketEncryptionCommand({
        Bucket: name,
        ServerSideEncryptionConfiguration: {
          Rules: rules,
        } as ServerSideEncryptionConfiguration,
      }),
    );
  }
  const ignored = Object.keys(props).filter((k) => !['BucketName', 'BucketEncryption'].includes(k));
  return {
    physicalId: name,
    ref: name,
    attributes,
    status: exists ? 'UPDATED' : 'CREATED',
    ...(ignored.length > 0
      ? { note: `properties kept but not acted on by the emulator: ${ignored.join(', ')}` }
      : {}),
  };
}

export async function applyBucketPolicy(input: HandlerInput): Promise<Outcome> {
  const s3 = input.opts.clients.s3;
  const { props, logicalId } = input;
  if (typeof props.Bucket !== 'string') {
    throw new TemplateError(`resource ${logicalId}: Bucket is required`);
  }
  if (!s3) {
    const id = props.Bucket;
    return { physicalId: id, ref: id, attributes: {}, status: 'NO_OP', note: NO_S3 };
  }
  const doc = props.PolicyDocument;
  if (doc === undefined || doc === null) {
    throw new TemplateError(`resource ${logicalId}: PolicyDocument is required`);
  }
  await s3.send(
    new PutBucketPolicyCommand({
      Bucket: props.Bucket,
      Policy: typeof doc === 'string' ? doc : JSON.stringify(doc),
    }),
  );
  return {
    physicalId: props.Bucket,
    ref: props.Bucket,
    attributes: {},
    status: input.previousPhysicalId === undefined ? 'CREATED' : 'UPDATED',
  };
}

function isObject(v: Json | undefined): v is { [key: string]: Json } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
