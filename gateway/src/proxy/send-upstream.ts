// One attempt at the upstream: node:http with the service's keep-alive agent and Kong's three
// timeouts (connect; write = between writes of the request; read = between reads of the response).
// The client's body is only read once the upstream socket is connected, so an attempt that fails
// to connect has consumed nothing and can be retried for any method.
import { request as httpRequest, type ClientRequest, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';
import type { Upstream } from './upstreams.ts';

/** body_limit: the client's body passed AttemptSpec.bodyLimit (the client's fault, not the upstream's). */
export type FailureKind = 'connect' | 'connect_timeout' | 'timeout' | 'reset' | 'client_abort' | 'body_limit';

const FAILURE_CODE: Record<FailureKind, string> = {
  connect: 'EUPSTREAM_CONNECT',
  connect_timeout: 'EUPSTREAM_CONNECT_TIMEOUT',
  timeout: 'EUPSTREAM_TIMEOUT',
  reset: 'EUPSTREAM_RESET',
  client_abort: 'ECLIENTABORT',
  body_limit: 'EBODYLIMIT',
};

/** Why an attempt failed; `sent` is false when nothing reached the upstream (safe to retry). */
export class UpstreamFailure extends Error {
  override readonly name = 'UpstreamFailure';
  readonly kind: FailureKind;
  readonly sent: boolean;
  readonly code: string;
  constructor(kind: FailureKind, sent: boolean, cause?: unknown) {
    super(`upstream ${kind}`, { cause });
    this.kind = kind;
    this.sent = sent;
    this.code = FAILURE_CODE[kind];
  }
}

export type AttemptSpec = {
  upstream: Upstream;
  method: string;
  path: string;
  headers: OutgoingHttpHeaders;
  /** Client request whose body is streamed up, or the bytes a plugin already read (undefined: no body). */
  body: IncomingMessage | Buffer | undefined;
  /** Called once the client body starts flowing upstream (after that, no retry is safe). */
  onBodyStart: () => void;
  onBodyBytes: (n: number) => void;
  /**
   * Most bytes the client's streamed body may have (request-size-limiting on a body without
   * Content-Length); unset, nothing is counted. The chunk that passes it is not sent: the body
   * stops, the attempt is destroyed (failing with body_limit if no response came yet) and
   * onBodyLimit is called.
   */
  bodyLimit?: number;
  onBodyLimit?: () => void;
  /** Fires if the client goes away; the attempt aborts with client_abort. */
  abortSignal: { aborted: boolean; onAbort?: () => void };
  /** Upgrade requests resolve on the upstream's 101 as well. */
  upgrade?: boolean;
};

export type AttemptResult =
  | { kind: 'response'; response: IncomingMessage; request: ClientRequest }
  | { kind: 'upgrade'; response: IncomingMessage; socket: Socket; head: Buffer; request: ClientRequest };

export function attemptUpstream(spec: AttemptSpec): Promise<AttemptResult> {
  const { service, agent } = spec.upstream;
  return new Promise<AttemptResult>((resolve, reject) => {
    let connected = false;
    let settled = false;
    // Once the response is complete the socket is back in the pool: nothing may touch it any more.
    let done = false;
    let connectTimer: NodeJS.Timeout | undefined;
    const fail = (kind: FailureKind, cause?: unknown) => {
      // A body over its limit is cut even after the response completed: the upstream must not get the rest.
      if (done && kind !== 'body_limit') return;
      if (connectTimer) clearTimeout(connectTimer);
      upReq.destroy();
      if (settled) return void (done = true); // mid-body: the response stream errors and the caller cuts the client off
      settled = true;
      done = true;
      reject(new UpstreamFailure(kind, connected, cause));
    };
    const send = service.protocol === 'https' ? httpsRequest : httpRequest;
    const upReq = send({
      host: service.host,
      port: service.port,
      method: spec.method,
      path: spec.path,
      headers: spec.headers,
      agent,
      setHost: false,
      ...(service.protocol === 'https' && { servername: service.host }),
    });

    const startBody = () => {
      connected = true;
      const body = spec.body;
      if (!body || Buffer.isBuffer(body)) {
        upReq.setTimeout(service.readTimeoutMs);
        upReq.end(body);
        return;
      }
      spec.onBodyStart();
      upReq.setTimeout(service.writeTimeoutMs);
      const endBody = () => {
        upReq.end();
        upReq.setTimeout(service.readTimeoutMs);
      };
      const forward = (chunk: Buffer) => {
        spec.onBodyBytes(chunk.length);
        if (!upReq.write(chunk)) body.pause();
      };
      const limit = spec.bodyLimit;
      if (limit === undefined) {
        body.on('data', forward);
      } else {
        // Only limited bodies pay for the count.
        let received = 0;
        const counted = (chunk: Buffer) => {
          received += chunk.length;
          if (received <= limit) return forward(chunk);
          spec.onBodyBytes(chunk.length);
          body.removeListener('data', counted);
          body.removeListener('end', endBody);
          body.pause();
          fail('body_limit');
          spec.onBodyLimit?.();
        };
        body.on('data', counted);
      }
      upReq.on('drain', () => body.resume());
      body.once('end', endBody);
    };

    upReq.on('socket', (socket) => {
      if (!socket.connecting) return startBody();
      connectTimer = setTimeout(() => fail('connect_timeout'), service.connectTimeoutMs);
      socket.once('connect', () => {
        clearTimeout(connectTimer);
        connectTimer = undefined;
        startBody();
      });
    });
    upReq.on('timeout', () => fail('timeout'));
    upReq.on('error', (err: NodeJS.ErrnoException) => fail(connected ? 'reset' : 'connect', err));
    upReq.on('response', (response) => {
      if (settled) return void response.destroy();
      settled = true;
      response.once('end', () => {
        done = true;
      });
      resolve({ kind: 'response', response, request: upReq });
    });
    if (spec.upgrade) {
      upReq.on('upgrade', (response, socket, head) => {
        if (settled) return void socket.destroy();
        settled = true;
        done = true;
        // A copy: `head` may be a view of the socket's read buffer (read-buffer-socket.ts).
        resolve({ kind: 'upgrade', response, socket, head: Buffer.from(head), request: upReq });
      });
    }
    spec.abortSignal.onAbort = () => fail('client_abort');
  });
}

// nginx's proxy_next_upstream non_idempotent is off: requests that may change state are not resent
// once they reached the upstream.
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']);

/** Whether a failed attempt may be tried again. */
export function retryable(failure: UpstreamFailure, method: string, bodyStarted: boolean): boolean {
  if (failure.kind === 'client_abort' || bodyStarted) return false;
  if (!failure.sent) return true;
  return IDEMPOTENT.has(method);
}
