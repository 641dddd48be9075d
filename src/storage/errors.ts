/** Why a storage driver could not store or retrieve a payload. */
export type PayloadStoreFailure =
  /** The object or file a claim names is not there (deleted by clean-up, or another store). */
  | 'missing'
  /** It is there but does not hash to the claimed digest, or is not a Payload. */
  | 'corrupt'
  /** The S3 bucket does not exist. */
  | 'bucket-missing'
  /** The store refused the credentials or the operation. */
  | 'access-denied'
  /** The claim read from history is malformed. */
  | 'invalid-claim'
  /** Anything else (I/O, network): see `cause`. */
  | 'failed';

export interface PayloadStoreErrorDetails {
  store: 'file' | 's3';
  reason: PayloadStoreFailure;
  /** The folder of a file store, or `s3://bucket` (and endpoint) of an S3 store. */
  location: string;
  /** The payload's key: `sha256:<hex>` for files, the object key for S3. */
  key?: string;
}

/**
 * A storage driver failed. The message names the store, the key and the folder or
 * bucket, so an operator can find (or restore) the payload; `reason` is for code.
 */
export class PayloadStoreError extends Error {
  override readonly name = 'PayloadStoreError';
  readonly store: PayloadStoreErrorDetails['store'];
  readonly reason: PayloadStoreFailure;
  readonly location: string;
  readonly key: string | undefined;

  constructor(message: string, details: PayloadStoreErrorDetails, options?: ErrorOptions) {
    super(message, options);
    this.store = details.store;
    this.reason = details.reason;
    this.location = details.location;
    this.key = details.key;
  }
}
