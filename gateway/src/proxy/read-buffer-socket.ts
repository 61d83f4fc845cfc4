// Upstream connections that read into one buffer per socket instead of a new 64 KiB Buffer per read.
// Node's HTTP client copies every body piece out of what the socket read (the parser's on_body), so
// the per-read Buffer is garbage at once; on a large download it doubled the garbage V8 has to
// collect (external memory, freed only by a mark-compact): more RSS and ~a third of the CPU.
// With net's `onread` the bytes land in the socket's own buffer and are handed to the HTTP client
// synchronously. Only while the HTTP parser owns the socket, it is flowing and nothing is queued
// (the bytes are consumed before the next read can overwrite them); otherwise (an upgraded tunnel,
// an idle pooled socket, a paused stream) a copy goes through the socket's normal Readable path.
import { createConnection, type NetConnectOpts, type Socket } from 'node:net';

const READ_BUFFER_BYTES = 64 * 1024;

type ClientSocket = Socket & { parser?: unknown };

export function connectWithReadBuffer(options: NetConnectOpts): Socket {
  const buffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
  const socket: ClientSocket = createConnection({
    ...options,
    onread: {
      buffer,
      callback: (nread: number, buf: Uint8Array): boolean => {
        const view = Buffer.from(buf.buffer, buf.byteOffset, nread);
        if (socket.parser && socket.readableFlowing && socket.readableLength === 0) socket.emit('data', view);
        else socket.push(Buffer.from(view));
        return true;
      },
    },
  });
  return socket;
}
