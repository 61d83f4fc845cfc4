// What Kong's auth plugins (jwt, key-auth) do once they know who the client is: kong.client.authenticate
// plus the X-Consumer-* / X-Credential-Identifier / X-Anonymous-Consumer upstream headers. Every header
// is either set or removed, so values a client sent itself never reach the upstream.
import type { Consumer } from '../../declarative/model.ts';
import type { RequestContext } from '../plugin.ts';

export const CONSUMER_ID = 'x-consumer-id';
export const CONSUMER_CUSTOM_ID = 'x-consumer-custom-id';
export const CONSUMER_USERNAME = 'x-consumer-username';
export const CREDENTIAL_IDENTIFIER = 'x-credential-identifier';
export const ANONYMOUS = 'x-anonymous-consumer';

const CONSUMER_HEADERS = [CONSUMER_ID, CONSUMER_CUSTOM_ID, CONSUMER_USERNAME, CREDENTIAL_IDENTIFIER, ANONYMOUS];

export type AuthCredential = NonNullable<RequestContext['credential']>;

function put(headers: RequestContext['upstream']['headers'], name: string, value: string | undefined): void {
  if (value === undefined) delete headers[name];
  else headers[name] = value;
}

/**
 * Kong's set_consumer: `credential` undefined means the anonymous consumer. `identifier` is what
 * X-Credential-Identifier carries (jwt: the secret's key; key-auth: the credential id).
 */
export function setConsumer(ctx: RequestContext, consumer: Consumer, credential?: AuthCredential, identifier?: string): void {
  const headers = ctx.upstream.headers;
  ctx.consumer = consumer;
  ctx.credential = credential;
  ctx.anonymous = credential === undefined;
  put(headers, CONSUMER_ID, consumer.id);
  put(headers, CONSUMER_CUSTOM_ID, consumer.customId);
  put(headers, CONSUMER_USERNAME, consumer.username);
  put(headers, CREDENTIAL_IDENTIFIER, credential ? identifier : undefined);
  put(headers, ANONYMOUS, credential ? undefined : 'true');
}

/** Removes client-sent consumer headers when the plugin lets a request through without authenticating it. */
export function clearConsumerHeaders(ctx: RequestContext): void {
  if (ctx.credential || ctx.consumer) return; // an earlier auth plugin set them
  for (const name of CONSUMER_HEADERS) delete ctx.upstream.headers[name];
}
