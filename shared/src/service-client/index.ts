export {
  createServiceClient, buildUrl,
  type ServiceClient, type ServiceClientOptions, type StreamAnswer, type StreamOptions, type RequestOptions, type Method, type Query, type GetToken,
} from './create-service-client.ts';
export { createTokenProvider, type TokenProvider, type TokenProviderOptions } from './token-provider.ts';
export type { BreakerOptions } from './breaker.ts';
export { BREAKER_STATE, type BreakerState } from './service-client-metrics.ts';
