import type { Request } from 'express';
import type { RequestMeta } from '../domain/audit-events.ts';

// "::ffff:10.0.0.1" and "10.0.0.1" are the same client; one spelling keeps lockout keys and audit filters consistent.
const MAPPED_V4 = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i;

/** Where a request came from, for the audit trail and lockout. req.ip honours X-Forwarded-For only from trusted (loopback) proxies. */
export const requestMeta = (req: Request): RequestMeta => ({
  ip: req.ip ? (MAPPED_V4.exec(req.ip)?.[1] ?? req.ip) : null,
  userAgent: req.get('user-agent') ?? null,
});
