/**
 * Temporal External Storage payloads in an S3-compatible bucket (AWS S3, SeaweedFS,
 * MinIO, Ceph, R2 …), content-addressed: object key `<prefix><sha256>`. The claim in
 * history names bucket, key and digest, so references stay readable after the prefix
 * setting changes.
 */
import { createRequire } from 'node:module';
import type { S3Client } from '@aws-sdk/client-s3';
import {
  StorageDriverClaim,
  type Payload,
  type StorageDriver,
  type StorageDriverRetrieveContext,
  type StorageDriverStoreContext,
} from '@temporalio/common';
import { claimedSha256, decodePayload, encodePayload } from './content.ts';
import { PayloadStoreError, type PayloadStoreFailure } from './errors.ts';

export const DEFAULT_S3_PREFIX = 'llmspell/payloads/';

/**
 * The AWS SDK, loaded when an S3 driver is made: it takes ~80 ms to import, which every CLI
 * command paid for a store most runs do not use.
 */
let aws: typeof import('@aws-sdk/client-s3') | undefined;
const awsS3 = () => (aws ??= createRequire(import.meta.url)('@aws-sdk/client-s3') as typeof import('@aws-sdk/client-s3'));

export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface S3StorageDriverOptions {
  bucket: string;
  /** Prepended to every object key (a "folder"; lifecycle rules can filter on it). Default `llmspell/payloads/`. */
  prefix?: string;
  /** URL of an S3-compatible server (`http://127.0.0.1:8333`); AWS S3 when absent. */
  endpoint?: string;
  /** Default: the AWS SDK's (`AWS_REGION`, profile), or `us-east-1` with an `endpoint`. */
  region?: string;
  /** `http://host/bucket/key` instead of `http://bucket.host/key`. Default: true with an `endpoint`. */
  forcePathStyle?: boolean;
  /** Default: the AWS SDK's chain (`AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY`, profiles, roles). */
  credentials?: S3Credentials;
  /** An existing client; the options above that configure a client are then ignored. */
  client?: S3Client;
  /** Driver name written into every reference in history. Default `llmspell-s3`. */
  name?: string;
}

export class S3StorageDriver implements StorageDriver {
  readonly name: string;
  readonly type = 'llmspell.s3';
  readonly bucket: string;
  readonly prefix: string;
  readonly client: S3Client;
  private readonly ownsClient: boolean;
  private readonly endpoint: string | undefined;

  constructor(options: S3StorageDriverOptions) {
    this.name = options.name ?? 'llmspell-s3';
    this.bucket = options.bucket;
    this.prefix = options.prefix ?? DEFAULT_S3_PREFIX;
    this.endpoint = options.endpoint;
    this.ownsClient = !options.client;
    this.client =
      options.client ??
      new (awsS3().S3Client)({
        ...(options.endpoint ? { endpoint: options.endpoint } : {}),
        ...(options.region ? { region: options.region } : options.endpoint && !process.env.AWS_REGION ? { region: 'us-east-1' } : {}),
        forcePathStyle: options.forcePathStyle ?? options.endpoint !== undefined,
        // A copy: the SDK writes into the credentials object it is given.
        ...(options.credentials ? { credentials: { ...options.credentials } } : {}),
      });
  }

  keyOf(sha256: string): string {
    return `${this.prefix}${sha256}`;
  }

  /** Closes the client's connections, if this driver created the client. */
  close(): void {
    if (this.ownsClient) this.client.destroy();
  }

  async store(context: StorageDriverStoreContext, payloads: Payload[]): Promise<StorageDriverClaim[]> {
    return Promise.all(payloads.map((payload) => this.storeOne(payload, context.abortSignal)));
  }

  async retrieve(context: StorageDriverRetrieveContext, claims: StorageDriverClaim[]): Promise<Payload[]> {
    return Promise.all(claims.map((claim) => this.retrieveOne(claim, context.abortSignal)));
  }

  private location(bucket: string): string {
    return `s3://${bucket}${this.endpoint ? ` at ${this.endpoint}` : ''}`;
  }

  private async storeOne(payload: Payload, abortSignal: AbortSignal | undefined): Promise<StorageDriverClaim> {
    const { bytes, sha256 } = encodePayload(payload);
    const key = this.keyOf(sha256);
    try {
      // Always written, even when the object may exist: a PUT is idempotent here, and it
      // renews the object's age, so a lifecycle expiry never removes a fresh reference.
      await this.client.send(
        new (awsS3().PutObjectCommand)({
          Bucket: this.bucket,
          Key: key,
          Body: bytes,
          ContentLength: bytes.length,
          ContentType: 'application/x-protobuf',
          // The server checks the upload against the digest we already have.
          ChecksumSHA256: Buffer.from(sha256, 'hex').toString('base64'),
        }),
        abortSignal ? { abortSignal } : {},
      );
    } catch (error) {
      if (abortSignal?.aborted) throw error;
      throw this.failure('store', error, this.bucket, key);
    }
    return new StorageDriverClaim({ bucket: this.bucket, key, sha256 });
  }

  private async retrieveOne(claim: StorageDriverClaim, abortSignal: AbortSignal | undefined): Promise<Payload> {
    const bucket = claim.claimData.bucket ?? this.bucket;
    const sha256 = claimedSha256(claim.claimData, { store: 's3', location: this.location(bucket) });
    const key = claim.claimData.key ?? this.keyOf(sha256);
    let bytes: Uint8Array;
    try {
      const object = await this.client.send(new (awsS3().GetObjectCommand)({ Bucket: bucket, Key: key }), abortSignal ? { abortSignal } : {});
      if (!object.Body) throw new Error('the response has no body');
      bytes = await object.Body.transformToByteArray();
    } catch (error) {
      if (abortSignal?.aborted) throw error;
      throw this.failure('retrieve', error, bucket, key);
    }
    return decodePayload(bytes, sha256, { store: 's3', location: this.location(bucket), key });
  }

  private failure(operation: 'store' | 'retrieve', error: unknown, bucket: string, key: string): PayloadStoreError {
    const reason = s3Reason(error);
    const where = `s3://${bucket}/${key}${this.endpoint ? ` (endpoint ${this.endpoint})` : ''}`;
    const detail = (error as Error).message || (error as Error).name;
    const message = {
      missing: `payload ${where} is missing: it was expired or deleted, or this process uses another bucket or endpoint than the one that stored it`,
      'bucket-missing': `cannot ${operation} payload ${where}: bucket ${bucket} does not exist`,
      'access-denied': `cannot ${operation} payload ${where}: access denied (check the credentials and the bucket's policy): ${detail}`,
      failed: `cannot ${operation} payload ${where}: ${detail}`,
    }[reason];
    return new PayloadStoreError(message, { store: 's3', reason, location: this.location(bucket), key }, { cause: error });
  }
}

function s3Reason(error: unknown): Extract<PayloadStoreFailure, 'missing' | 'bucket-missing' | 'access-denied' | 'failed'> {
  if (!(error instanceof awsS3().S3ServiceException)) return 'failed';
  switch (error.name) {
    case 'NoSuchKey':
    case 'NotFound':
      return 'missing';
    case 'NoSuchBucket':
      return 'bucket-missing';
    case 'AccessDenied':
    case 'InvalidAccessKeyId':
    case 'SignatureDoesNotMatch':
      return 'access-denied';
  }
  return error.$metadata.httpStatusCode === 403 ? 'access-denied' : 'failed';
}
