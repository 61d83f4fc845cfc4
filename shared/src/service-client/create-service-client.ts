import { context, propagation, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { isAppError } from '../errors/app-error.ts';
import type { Logger } from '../logger/create-logger.ts';
import { currentRequestId } from '../logger/request-store.ts';
import { tracer } from '../telemetry/trace-context.ts';
import { acquireBreaker, isBreakerOpenError, type BreakerOptions } from './breaker.ts';
import { badAnswerError, circuitOpenError, fromErrorAnswer, fromFetchError, isRetryable } from './call-errors.ts';
import { serviceCallDuration, serviceCallRetriesTotal, serviceCallsTotal, type BreakerState } from './service-client-metrics.ts';

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

type QueryValue = string | number | boolean | null | undefined;
export type Query = Record<string, QueryValue | QueryValue[]>;

/** A service token source; `invalidate` (as createTokenProvider has) lets the client refetch once after a 401. */
export type GetToken = (() => Promise<string>) & { invalidate?: () => void };

export type ServiceClientOptions = {
  /** The target's name: breaker, metric label and error messages ("The user service is unavailable"). */
  name: string;
  baseUrl: string;
  /** Per attempt, body included (default 2000). */
  timeoutMs?: number;
  /** Extra attempts for idempotent calls (default 2). */
  retries?: number;
  /** First backoff step; later ones double, with jitter, capped at 1 s (default 100). */
  retryDelayMs?: number;
  getToken?: GetToken;
  logger?: Logger;
  breaker?: BreakerOptions;
};

export type RequestOptions<T> = {
  /** Sent as JSON. */
  body?: unknown;
  query?: Query;
  headers?: Record<string, string>;
  /** Overrides the method's default (GET/PUT/DELETE retry, POST/PATCH do not). */
  idempotent?: boolean;
  timeoutMs?: number;
  /** What to answer instead of throwing EXT_002 while the breaker is open (a fallback, a cached value). */
  onOpen?: () => T | Promise<T>;
};

type Call = <T = unknown>(path: string, options?: RequestOptions<T>) => Promise<T>;

/** A 2xx answer whose body is left unread, for downloads that must stream. */
export type StreamAnswer = { status: number; headers: Headers; body: ReadableStream<Uint8Array> };

export type StreamOptions = {
  query?: Query;
  headers?: Record<string, string>;
  /** Time until the answer's headers arrive (the body streams without a limit; pass signal to stop it). */
  timeoutMs?: number;
  signal?: AbortSignal;
};

export type ServiceClient = {
  readonly name: string;
  /**
   * GET whose 2xx body streams to the caller (file contents): same token, breaker, trace and error
   * mapping as the other calls, no retries (the caller decides; a half-read stream cannot be resent).
   */
  stream: (path: string, options?: StreamOptions) => Promise<StreamAnswer>;
  get: Call;
  post: Call;
  put: Call;
  patch: Call;
  delete: Call;
  breakerState: () => BreakerState;
  /** Releases the target's breaker (stopped when no client of the target is left). */
  close: () => void;
};

const IDEMPOTENT: ReadonlySet<Method> = new Set(['GET', 'PUT', 'DELETE']);
const MAX_BACKOFF_MS = 1_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// Exponential with "equal jitter": half the step is fixed, half random, so retries of many callers spread out.
const backoff = (attempt: number, baseMs: number) => {
  const step = Math.min(MAX_BACKOFF_MS, baseMs * 2 ** attempt);
  return step / 2 + Math.random() * (step / 2);
};

export function buildUrl(baseUrl: string, path: string, query?: Query): string {
  const url = new URL(baseUrl.replace(/\/+$/, '') + (path.startsWith('/') ? path : `/${path}`));
  for (const [key, value] of Object.entries(query ?? {})) {
    for (const v of Array.isArray(value) ? value : [value]) {
      if (v !== undefined && v !== null) url.searchParams.append(key, String(v));
    }
  }
  return url.toString();
}

type Envelope = { success?: unknown; data?: unknown };

/** 2xx must carry our success envelope; its `data` is the answer. */
function readAnswer(target: string, res: Response, text: string): unknown {
  let json: unknown;
  if (text !== '') {
    try { json = JSON.parse(text); } catch { json = undefined; }
  }
  if (res.status >= 200 && res.status < 300) {
    if (res.status === 204 || text === '') return undefined;
    const envelope = json as Envelope | undefined;
    if (envelope?.success === true && 'data' in envelope) return envelope.data;
    throw badAnswerError(target, `answered ${res.status} without a success envelope`);
  }
  if (res.status >= 400) throw fromErrorAnswer(target, res.status, json, res.headers.get('retry-after'));
  throw badAnswerError(target, `answered ${res.status}`); // redirects are not followed between services
}

const hasHeader = (headers: Record<string, string>, name: string) => Object.keys(headers).some((k) => k.toLowerCase() === name);

/**
 * The one way services call each other (guide §9): a timeout per attempt, retries with backoff for
 * idempotent calls only, one circuit breaker for the target, the service token, W3C trace context and
 * x-request-id, and errors as AppErrors (EXT_001 timeout, EXT_002 unavailable/open, EXT_003 failed;
 * a 4xx keeps the target's code and status). Clients of the same target name share one breaker.
 */
export function createServiceClient(options: ServiceClientOptions): ServiceClient {
  const { name, baseUrl, timeoutMs = 2_000, retries = 2, retryDelayMs = 100, getToken, logger } = options;
  const breaker = acquireBreaker(name, options.breaker, logger);
  const { hostname, port, protocol } = new URL(baseUrl);
  const serverPort = Number(port || (protocol === 'https:' ? 443 : 80));

  // One HTTP exchange, in its own CLIENT span whose context travels in the traceparent header.
  function attempt(method: Method, url: string, headers: Record<string, string>, body: string | undefined, limitMs: number, resend: number) {
    return tracer.startActiveSpan(`${method} ${name}`, {
      kind: SpanKind.CLIENT,
      attributes: {
        'http.request.method': method, 'url.full': url, 'server.address': hostname, 'server.port': serverPort,
        'peer.service': name, ...(resend > 0 && { 'http.request.resend_count': resend }),
      },
    }, async (span) => {
      try {
        const sent = { ...headers };
        propagation.inject(context.active(), sent);
        let res: Response;
        let text: string;
        try {
          res = await fetch(url, { method, headers: sent, body, redirect: 'manual', signal: AbortSignal.timeout(limitMs) });
          text = await res.text();
        } catch (err) {
          throw fromFetchError(name, err, limitMs);
        }
        span.setAttribute('http.response.status_code', res.status);
        const data = readAnswer(name, res, text);
        return data;
      } catch (err) {
        if (!isAppError(err) || err.status >= 500) {
          span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
          span.recordException(err as Error);
        }
        throw err;
      } finally {
        span.end();
      }
    });
  }

  async function request<T>(method: Method, path: string, opts: RequestOptions<T> = {}): Promise<T> {
    const idempotent = opts.idempotent ?? IDEMPOTENT.has(method);
    const attempts = idempotent ? retries + 1 : 1;
    const url = buildUrl(baseUrl, path, opts.query);
    const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    const started = performance.now();
    let outcome = 'ok';
    let tokenRefreshed = false;
    try {
      for (let i = 0; ; i++) {
        const headers: Record<string, string> = { accept: 'application/json', ...opts.headers };
        if (body !== undefined && !hasHeader(headers, 'content-type')) headers['content-type'] = 'application/json';
        const requestId = currentRequestId();
        if (requestId && !hasHeader(headers, 'x-request-id')) headers['x-request-id'] = requestId;
        // The token is fetched outside the breaker: an auth outage must not count against this target.
        if (getToken && !hasHeader(headers, 'authorization')) headers.authorization = `Bearer ${await getToken()}`;
        try {
          return (await breaker.fire(() => attempt(method, url, headers, body, opts.timeoutMs ?? timeoutMs, i))) as T;
        } catch (err) {
          if (isBreakerOpenError(err)) {
            if (opts.onOpen) {
              outcome = 'fallback';
              return await opts.onOpen();
            }
            throw circuitOpenError(name, err);
          }
          // A 401 with a cached service token usually means the token was rotated out: refetch once.
          if (isAppError(err) && err.status === 401 && getToken?.invalidate && !tokenRefreshed && !hasHeader(opts.headers ?? {}, 'authorization')) {
            tokenRefreshed = true;
            getToken.invalidate();
            i--;
            continue;
          }
          if (i + 1 >= attempts || !isRetryable(err)) throw err;
          serviceCallRetriesTotal.inc({ target: name });
          logger?.debug('service call retry', { target: name, method, attempt: i + 1, code: isAppError(err) ? err.code : undefined });
          await sleep(backoff(i, retryDelayMs));
        }
      }
    } catch (err) {
      outcome = outcomeOf(err);
      throw err;
    } finally {
      const labels = { target: name, method, outcome };
      serviceCallsTotal.inc(labels);
      serviceCallDuration.observe(labels, (performance.now() - started) / 1000);
    }
  }

  async function stream(path: string, opts: StreamOptions = {}): Promise<StreamAnswer> {
    const url = buildUrl(baseUrl, path, opts.query);
    const limitMs = opts.timeoutMs ?? timeoutMs;
    const started = performance.now();
    let outcome = 'ok';
    try {
      const headers: Record<string, string> = { ...opts.headers };
      const requestId = currentRequestId();
      if (requestId && !hasHeader(headers, 'x-request-id')) headers['x-request-id'] = requestId;
      if (getToken && !hasHeader(headers, 'authorization')) headers.authorization = `Bearer ${await getToken()}`;
      try {
        return await breaker.fire(() => tracer.startActiveSpan(`GET ${name}`, {
          kind: SpanKind.CLIENT,
          attributes: { 'http.request.method': 'GET', 'url.full': url, 'server.address': hostname, 'server.port': serverPort, 'peer.service': name },
        }, async (span) => {
          try {
            propagation.inject(context.active(), headers);
            const timer = AbortSignal.timeout(limitMs);
            // The timeout covers the wait for the headers only; afterwards only the caller's signal stops the body.
            const headersDone = new AbortController();
            const onTimeout = () => headersDone.abort(timer.reason);
            timer.addEventListener('abort', onTimeout, { once: true });
            const signal = opts.signal ? AbortSignal.any([headersDone.signal, opts.signal]) : headersDone.signal;
            let res: Response;
            try {
              res = await fetch(url, { method: 'GET', headers, redirect: 'manual', signal });
            } catch (err) {
              throw fromFetchError(name, (err as Error)?.name === 'AbortError' && timer.aborted ? timer.reason : err, limitMs);
            } finally {
              timer.removeEventListener('abort', onTimeout);
            }
            span.setAttribute('http.response.status_code', res.status);
            if (res.status >= 200 && res.status < 300 && res.body) return { status: res.status, headers: res.headers, body: res.body };
            readAnswer(name, res, await res.text().catch(() => ''));
            throw badAnswerError(name, `answered ${res.status} without a body`);
          } catch (err) {
            if (!isAppError(err) || err.status >= 500) {
              span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
              span.recordException(err as Error);
            }
            throw err;
          } finally {
            span.end();
          }
        })) as StreamAnswer;
      } catch (err) {
        if (isBreakerOpenError(err)) throw circuitOpenError(name, err);
        throw err;
      }
    } catch (err) {
      outcome = outcomeOf(err);
      throw err;
    } finally {
      const labels = { target: name, method: 'GET', outcome };
      serviceCallsTotal.inc(labels);
      serviceCallDuration.observe(labels, (performance.now() - started) / 1000);
    }
  }

  const call = (method: Method): Call => (path, opts) => request(method, path, opts);
  return {
    name,
    stream,
    get: call('GET'),
    post: call('POST'),
    put: call('PUT'),
    patch: call('PATCH'),
    delete: call('DELETE'),
    breakerState: breaker.state,
    close: breaker.release,
  };
}

function outcomeOf(err: unknown): string {
  if (!isAppError(err)) return 'error';
  switch (err.code) {
    case 'EXT_001': return 'timeout';
    case 'EXT_002': return isBreakerOpenError(err.cause) ? 'breaker_open' : 'unavailable';
    case 'EXT_003': return 'server_error';
    default: return 'client_error';
  }
}
