import { createHmac, randomBytes } from 'node:crypto';

// Standard Webhooks (standardwebhooks.com): the secret is "whsec_" + base64 of 24–64 random bytes;
// the signature is "v1," + base64(HMAC-SHA256(key, "<webhook-id>.<webhook-timestamp>.<body>")).
const PREFIX = 'whsec_';

/** A new signing secret, shown to its owner once. */
export const generateWebhookSecret = (): string => `${PREFIX}${randomBytes(32).toString('base64')}`;

export function signWebhook(secret: string, msgId: string, timestampS: number, body: string): string {
  const key = Buffer.from(secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret, 'base64');
  return `v1,${createHmac('sha256', key).update(`${msgId}.${timestampS}.${body}`).digest('base64')}`;
}
