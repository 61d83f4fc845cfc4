import type { Readable } from 'node:stream';
import {
  CreateBucketCommand, DeleteObjectCommand, GetObjectCommand, HeadBucketCommand, HeadObjectCommand, NoSuchKey, NotFound, S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { assertStorageKey, type StorageDriver } from './storage-driver.ts';

export type S3DriverOptions = {
  bucket: string;
  region: string;
  endpoint?: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  forcePathStyle?: boolean;
  /** Part size of multipart uploads (S3's minimum is 5 MiB). */
  partSize?: number;
  /** Parts in flight at once; memory use is about partSize × queueSize. */
  queueSize?: number;
  /** check() creates the bucket when it is missing (development stacks such as MinIO in compose). */
  createBucket?: boolean;
};

const missing = (err: unknown) =>
  err instanceof NoSuchKey || err instanceof NotFound || (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404;

/**
 * An S3-compatible bucket (AWS, MinIO …). Writes use lib-storage's multipart Upload, which streams
 * the body in parts and aborts the multipart upload on failure, so an object exists only once
 * complete. Reads use GetObject with a Range header.
 */
export function createS3Driver(options: S3DriverOptions): StorageDriver {
  const { bucket, partSize = 8 * 1024 * 1024, queueSize = 2 } = options;
  const client = new S3Client({
    region: options.region,
    credentials: options.credentials,
    forcePathStyle: options.forcePathStyle ?? true,
    // Checksums only where S3 requires them: S3-compatible servers (MinIO versions, s3rver) differ
    // in which of the newer default CRC headers they understand.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    ...(options.endpoint && { endpoint: options.endpoint }),
  });

  return {
    name: 's3',
    async put(key, body, opts) {
      assertStorageKey(key);
      const upload = new Upload({
        client,
        params: { Bucket: bucket, Key: key, Body: body, ContentType: opts?.contentType ?? 'application/octet-stream' },
        partSize,
        queueSize,
        leavePartsOnError: false,
      });
      // A failing body must fail the upload (lib-storage would otherwise wait for more data).
      const onError = (err: Error) => void upload.abort().catch(() => {}).then(() => err);
      body.once('error', onError);
      try {
        await upload.done();
      } catch (err) {
        throw (body as Readable & { errored?: Error }).errored ?? err;
      } finally {
        body.off('error', onError);
      }
    },
    async get(key, range) {
      assertStorageKey(key);
      try {
        const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key, ...(range && { Range: `bytes=${range.start}-${range.end}` }) }));
        return out.Body as Readable;
      } catch (err) {
        if (missing(err)) return null;
        throw err;
      }
    },
    async delete(key) {
      assertStorageKey(key);
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    },
    async stat(key) {
      assertStorageKey(key);
      try {
        const out = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
        return { size: out.ContentLength ?? 0 };
      } catch (err) {
        if (missing(err)) return null;
        throw err;
      }
    },
    async check() {
      try {
        await client.send(new HeadBucketCommand({ Bucket: bucket }));
      } catch (err) {
        if (!options.createBucket || !missing(err)) throw err;
        await client.send(new CreateBucketCommand({ Bucket: bucket }));
      }
    },
  };
}
