import express, { type RequestHandler } from 'express';

/** JSON bodies with a size limit; `strict` refuses bare scalars so every body is an object or array. */
export const jsonBody = (limit = '100kb'): RequestHandler => express.json({ limit, strict: true });

/** Form bodies (OAuth token endpoint) with a size limit. */
export const formBody = (limit = '20kb'): RequestHandler => express.urlencoded({ limit, extended: false, parameterLimit: 50 });
