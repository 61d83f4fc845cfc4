// The access phase both auth plugins share (Kong's jwt and key-auth handlers): skipped preflights,
// the `anonymous` fallback, and the 401 when the client could not be identified.
import type { Consumer } from '../../declarative/model.ts';
import type { GatewayError, RequestContext } from '../plugin.ts';
import { clearConsumerHeaders, setConsumer } from './consumer-headers.ts';

export function authenticationAccess<Failure>({ runOnPreflight, anonymous, authenticate, reject }: {
  runOnPreflight: boolean;
  anonymous: Consumer | undefined;
  /** Identifies the client (setting ctx.consumer) or says why it could not. */
  authenticate: (ctx: RequestContext) => Failure | undefined;
  reject: (failure: Failure) => GatewayError;
}): (ctx: RequestContext) => void {
  return (ctx) => {
    if (!runOnPreflight && ctx.req.method === 'OPTIONS') return clearConsumerHeaders(ctx);
    if (anonymous) {
      // Logical OR between auth plugins: an earlier one already identified the client.
      if (ctx.credential) return;
      if (authenticate(ctx)) setConsumer(ctx, anonymous);
      return;
    }
    const failure = authenticate(ctx);
    if (failure) throw reject(failure);
  };
}
