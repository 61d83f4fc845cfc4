import type { IncomingMessage } from 'node:http';
import { PassThrough } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ERRORS, StreamLimiter, type CancellationContext, type DataStore, type Server, type Upload } from '@tus/server';

type WriteToStore = (body: ReadableStream | null, upload: Upload, maxFileSize: number, context: CancellationContext) => Promise<number>;
type Writable = { writeToStore: WriteToStore; store: DataStore };

/**
 * @tus/server 2 reads a PATCH/POST body as a web ReadableStream that srvx made from the Node
 * request (Readable.toWeb) and turns it back into a Node stream (Readable.fromWeb): two
 * conversions per chunk that cost most of the upload's CPU. This replaces the handlers' write step
 * with the same logic on the Node request itself (same limit, same end-on-abort so the bytes so far
 * are kept for a resume). `nodeRequestOf` gives the IncomingMessage of the request being handled;
 * the router hides the web body from tus so nothing else reads the request.
 */
export function writeBodiesFromNode(tus: Server, nodeRequestOf: () => IncomingMessage | undefined): void {
  for (const handler of [tus.handlers.PATCH, tus.handlers.POST] as unknown as Writable[]) {
    const fromWeb = handler.writeToStore.bind(handler);
    handler.writeToStore = async (body, upload, maxFileSize, context) => {
      const req = nodeRequestOf();
      if (!req) return fromWeb(body, upload, maxFileSize, context);
      if (context.signal.aborted) throw ERRORS.ABORTED;
      // A proxy between the request and the store, so ending the write (abort) never destroys the request.
      const proxy = new PassThrough();
      let sourceError: unknown;
      const onSourceError = (err: unknown) => {
        sourceError = err;
        req.unpipe(proxy);
        if (!context.signal.aborted) proxy.destroy(err as Error);
      };
      req.on('error', onSourceError);
      const onAbort = () => {
        req.unpipe(proxy);
        if (!proxy.destroyed) proxy.end();
      };
      context.signal.addEventListener('abort', onAbort, { once: true });
      try {
        return await pipeline(req.pipe(proxy), new StreamLimiter(maxFileSize), (limited) => handler.store.write(limited as StreamLimiter, upload.id, upload.offset));
      } catch (err) {
        req.unpipe(proxy);
        const aborted = (sourceError !== undefined && err === sourceError) || (err instanceof Error && err.name === 'AbortError');
        throw aborted ? ERRORS.ABORTED : err;
      } finally {
        req.off('error', onSourceError);
        context.signal.removeEventListener('abort', onAbort);
      }
    };
  }
}
