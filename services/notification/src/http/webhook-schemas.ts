import { z } from 'zod';

const eventType = z.string().min(1).max(100);
const url = z.string().max(2048).pipe(z.url({ protocol: /^https?$/, message: 'Must be an http or https URL' }));

export const createWebhookBody = z.object({
  url,
  events: z.array(eventType).min(1).max(50),
  scope: z.enum(['user', 'platform']).optional(),
}).strict();

export const updateWebhookBody = z.object({
  url: url.optional(),
  events: z.array(eventType).min(1).max(50).optional(),
  enabled: z.boolean().optional(),
}).strict().refine((b) => Object.keys(b).length > 0, { message: 'Nothing to change' });

export const webhookIdParams = z.object({ id: z.uuid() });
export const deliveryParams = z.object({ id: z.uuid(), delivery_id: z.uuid() });

export const deliveriesQuery = z.object({
  limit: z.unknown().optional(),
  offset: z.unknown().optional(),
  status: z.enum(['pending', 'succeeded', 'failed', 'dead']).optional(),
}).strict();
