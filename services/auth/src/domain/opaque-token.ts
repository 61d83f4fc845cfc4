import { createHash, randomBytes } from 'node:crypto';

const TOKEN = /^[A-Za-z0-9_-]{43}$/;

/** 32 random bytes, base64url: the refresh, verification and reset tokens handed to clients. */
export const generateOpaqueToken = (): string => randomBytes(32).toString('base64url');

/** Only this digest is stored; a database leak gives nothing that can be presented back. */
export const hashToken = (token: string): Buffer => createHash('sha256').update(token, 'utf8').digest();

/** Cheap shape check, so garbage never reaches the database. */
export const looksLikeOpaqueToken = (value: string): boolean => TOKEN.test(value);
