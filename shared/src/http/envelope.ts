import type { Response } from 'express';
import { ids } from './request-context.ts';

export type Pagination = { limit: number; offset: number; total: number; has_next: boolean; has_prev: boolean };

export function sendOk<T>(res: Response, data: T, status = 200, pagination?: Pagination): void {
  res.status(status).json({
    success: true,
    status_code: status,
    data,
    meta: { ...ids(res), ...(pagination && { pagination }) },
  });
}

export const sendCreated = <T>(res: Response, data: T): void => sendOk(res, data, 201);

export function sendNoContent(res: Response): void {
  res.status(204).end();
}

export function sendList<T>(res: Response, items: T[], page: { limit: number; offset: number; total: number }): void {
  sendOk(res, items, 200, {
    ...page,
    has_next: page.offset + items.length < page.total,
    has_prev: page.offset > 0,
  });
}
