import { createHash, randomUUID } from 'node:crypto';
import { pipeline, Transform, type Readable } from 'node:stream';
import { TextDecoder } from 'node:util';
import { fileTypeFromBuffer } from 'file-type';
import { fileUploaded } from '@platform/shared/events';
import { decideContentType, isAllowedType, normalizeContentType } from '../domain/content-types.ts';
import type { StoredFile } from '../domain/file.ts';
import { fileErrors } from '../domain/file-errors.ts';
import { originalName, sanitizeFileName } from '../domain/file-name.ts';
import { availableBytes } from '../domain/quota.ts';
import type { FileDeps } from './deps.ts';
import type { Tx } from './ports.ts';

export type UploadInput = {
  ownerId: string;
  /** Who uploads (usually the owner). */
  actorId: string;
  body: Readable;
  /** The name the client gave; sanitised here, the raw one kept as original_name. */
  name: string;
  /** The type the client declared (may be absent or application/octet-stream). */
  contentType?: string;
  /** An upper bound of the size known before the first byte (Content-Length): reserved up front. */
  expectedSize?: number;
  /** Bytes the caller already reserved for this upload (tus at creation); committed or released here. */
  reservedBytes?: number;
  /** The exact size the body must have (tus Upload-Length); a body that ends short is refused. */
  exactSize?: number;
  /** Runs in the transaction that records the file (tus marks its upload complete there, atomically with the quota commit). */
  onRecorded?: (tx: Tx, file: StoredFile) => Promise<void>;
  /**
   * Awaited after the bytes are stored and before the file is recorded: multipart passes the end
   * of the whole form, so a form that turns out bad after the file part still stores nothing.
   */
  commitGate?: Promise<unknown>;
};

export type StoreUploadDeps = Pick<FileDeps, 'db' | 'runInTx' | 'files' | 'quotas' | 'outbox' | 'storage' | 'settings' | 'logger'>;

/** Bytes kept back before anything is written, so the type is known before storage sees a byte. */
const SNIFF_BYTES = 64 * 1024;
/** Step by which a reservation grows when the size was not known up front. */
const GROW_STEP = 8 * 1024 * 1024;
/** How much of an upper-bound size may be framing (multipart boundaries and part headers). */
const UPPER_BOUND_SLACK = 64 * 1024;

/** Storage keys are the file id under a two-character fan-out directory. */
export const storageKeyFor = (fileId: string): string => `${fileId.slice(0, 2)}/${fileId}`;

/**
 * The one finishing step of every upload (multipart POST /files and tus): reserves quota, streams
 * the body to storage while hashing and counting it, sniffs the first bytes and checks them
 * against the allow-list and the declared type, stops at MAX_UPLOAD_BYTES (413), then records the
 * file, moves the reservation to used bytes and writes file.uploaded in one transaction.
 * All or nothing: on any failure the bytes are deleted, the reservation released, no row exists.
 */
export async function storeUpload(deps: StoreUploadDeps, input: UploadInput): Promise<StoredFile> {
  const { settings, quotas } = deps;
  const max = settings.maxUploadBytes;
  const name = sanitizeFileName(input.name);
  const declared = normalizeContentType(input.contentType);
  // Bytes reserved for this upload: the caller's (tus, tracked in its own table) plus what this step
  // reserves itself under a lease, so a process dying mid-upload cannot keep them reserved for good.
  let callerReserved = input.reservedBytes ?? 0;
  let leased = 0;
  let reserved = callerReserved;
  const lease = { id: randomUUID(), ttlMs: settings.reservationTtlMs };

  // A growth step may still be in flight when the upload fails (the meter is destroyed while it
  // waits): release only after it settled, or its bytes would stay reserved for good.
  let inFlight: Promise<unknown> = Promise.resolve();
  const release = async () => {
    await inFlight;
    const bytes = callerReserved;
    const leaseId = leased > 0 ? lease.id : undefined;
    callerReserved = 0;
    leased = 0;
    reserved = 0;
    try { await quotas.release(deps.db, input.ownerId, bytes, leaseId); } catch (err) { deps.logger.warn('quota release failed', { err, bytes }); }
  };
  /** Reserves `bytes` more (or, when that does not fit, at least `needed`); BIZ_003 when even that does not fit. */
  const reserve = (bytes: number, needed = bytes): Promise<void> => {
    if (needed <= 0) return Promise.resolve();
    const step = (async () => {
      for (const n of bytes > needed ? [bytes, needed] : [needed]) {
        if (await quotas.reserve(deps.db, input.ownerId, n, settings.defaultQuotaBytes, lease)) {
          reserved += n;
          leased += n;
          return;
        }
      }
      const quota = await quotas.get(deps.db, input.ownerId);
      throw fileErrors.quotaExceeded(availableBytes(quota, settings.defaultQuotaBytes));
    })();
    inFlight = step.catch(() => {});
    return step;
  };

  // An upper bound (a multipart Content-Length) counts the form's boundaries too: when it does not
  // fit but the file may (within UPPER_BOUND_SLACK), reserve as the bytes arrive instead.
  const reserveUpperBound = async (bytes: number) => {
    try {
      await reserve(bytes - reserved);
    } catch (err) {
      const available = availableBytes(await quotas.get(deps.db, input.ownerId), settings.defaultQuotaBytes);
      if (bytes - available > UPPER_BOUND_SLACK) throw err;
    }
  };

  try {
    if (input.exactSize !== undefined && input.exactSize > max) throw fileErrors.tooLarge(max);
    // A declared type off the allow-list is refused before any byte is read.
    if (declared && declared !== 'application/octet-stream' && !isAllowedType(declared, settings.allowedContentTypes)) {
      throw fileErrors.typeRefused(`Files of type ${declared} are not allowed`);
    }
    if (input.exactSize !== undefined) await reserve(input.exactSize - reserved);
    else if (input.expectedSize !== undefined) await reserveUpperBound(Math.min(input.expectedSize, max));
    // Gone while we waited for the reservation (the client left, or the form turned out bad).
    if (input.body.destroyed) throw fileErrors.uploadAborted();
  } catch (err) {
    input.body.resume();
    await release();
    throw err;
  }

  const fileId = randomUUID();
  const storageKey = storageKeyFor(fileId);
  const hash = createHash('sha256');
  let size = 0;
  let head: Buffer[] = [];
  let headBytes = 0;
  let decided: { contentType: string; text?: TextDecoder } | undefined;

  const checkText = (chunk: Buffer, final: boolean) => {
    if (!decided?.text) return;
    if (chunk.includes(0)) throw fileErrors.notText();
    try {
      decided.text.decode(chunk, { stream: !final });
    } catch {
      throw fileErrors.notText();
    }
  };
  const decide = async (sample: Buffer) => {
    const sniffed = await fileTypeFromBuffer(sample);
    const decision = decideContentType({ sniffed: sniffed?.mime, declared, name }, settings.allowedContentTypes);
    if (!decision.ok) throw fileErrors.typeRefused(decision.reason);
    decided = { contentType: decision.contentType, ...(decision.needsTextCheck && { text: new TextDecoder('utf-8', { fatal: true }) }) };
  };
  const releaseHead = (push: (b: Buffer) => void) => {
    const sample = Buffer.concat(head, headBytes);
    head = [];
    checkText(sample, false);
    if (sample.length) push(sample);
  };

  const meter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      size += chunk.length;
      if (size > max) return done(fileErrors.tooLarge(max));
      if (input.exactSize !== undefined && size > input.exactSize) return done(fileErrors.longerThanDeclared(input.exactSize));
      if (decided && size <= reserved) {
        // The common case, without a promise per chunk: type known, bytes already reserved.
        try {
          hash.update(chunk);
          checkText(chunk, false);
        } catch (err) {
          return done(err as Error);
        }
        return done(null, chunk);
      }
      void (async () => {
        // Size not known up front (a chunked body): grow the reservation in steps, down to exactly
        // what is needed when a step would not fit, so a file that fits is never refused.
        if (size > reserved) await reserve(Math.min(Math.max(size - reserved, GROW_STEP), max - reserved), size - reserved);
        hash.update(chunk);
        if (decided) {
          checkText(chunk, false);
          this.push(chunk);
          return;
        }
        head.push(chunk);
        headBytes += chunk.length;
        if (headBytes < SNIFF_BYTES) return;
        await decide(Buffer.concat(head, headBytes));
        releaseHead((b) => this.push(b));
      })().then(() => done(), done);
    },
    flush(done) {
      void (async () => {
        if (input.exactSize !== undefined && size !== input.exactSize) throw fileErrors.uploadAborted();
        if (!decided) {
          await decide(Buffer.concat(head, headBytes));
          releaseHead((b) => this.push(b));
        }
        checkText(Buffer.alloc(0), true);
      })().then(() => done(), done);
    },
  });
  // Errors travel both ways: a failing source fails the meter, a refusal in the meter stops the source.
  pipeline(input.body, meter, () => {});

  let stored = false;
  try {
    await deps.storage.put(storageKey, meter, { contentType: declared || 'application/octet-stream' });
    stored = true;
    if (input.commitGate) await input.commitGate;
    const contentType = decided!.contentType;
    const sha256 = hash.digest('hex');
    const file = await deps.runInTx(async (tx) => {
      const row = await deps.files.insert(tx, {
        id: fileId, ownerId: input.ownerId, name, originalName: originalName(input.name), size, contentType, sha256, storageKey, createdBy: input.actorId,
      });
      await quotas.commit(tx, input.ownerId, callerReserved, size, leased > 0 ? lease.id : undefined);
      await deps.outbox.add(tx, fileUploaded.create(
        { file_id: fileId, owner_id: input.ownerId, name, size, content_type: contentType, sha256, large: size >= settings.largeUploadBytes },
        { source: 'file', subject: fileId },
      ));
      if (input.onRecorded) await input.onRecorded(tx, row);
      return row;
    });
    reserved = callerReserved = leased = 0;
    return file;
  } catch (err) {
    if (stored) {
      try { await deps.storage.delete(storageKey); } catch (e) { deps.logger.error('could not delete the bytes of a failed upload', { err: e, storage_key: storageKey }); }
    }
    await release();
    throw err;
  }
}
