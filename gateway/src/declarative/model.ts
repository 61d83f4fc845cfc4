// The declarative config after loading and validation: Kong's entities with defaults applied and
// references resolved. The loader (load-kong-config.ts) is the only place that builds these.

export type Protocol = 'http' | 'https' | 'grpc' | 'grpcs' | 'tcp' | 'tls' | 'udp' | 'ws' | 'wss';

export type PluginConfig = {
  id: string;
  name: string;
  enabled: boolean;
  config: Record<string, unknown>;
  /** Kong's plugin `protocols`: the plugin runs only on requests over one of these (unset: all). */
  protocols?: Protocol[];
  /** Scope: none set = global. */
  serviceId?: string;
  routeId?: string;
  consumerId?: string;
};

export type Service = {
  id: string;
  name: string;
  protocol: 'http' | 'https';
  host: string;
  port: number;
  /** Prefix the upstream path starts with ('/' when unset). */
  path: string;
  retries: number;
  connectTimeoutMs: number;
  readTimeoutMs: number;
  writeTimeoutMs: number;
};

export type Route = {
  id: string;
  name: string;
  serviceId: string;
  /** Prefix paths as written; regex paths (written with a leading `~`) compiled. */
  prefixPaths: string[];
  regexPaths: RegExp[];
  methods: string[] | null;
  hosts: string[] | null;
  stripPath: boolean;
  preserveHost: boolean;
  regexPriority: number;
  protocols: Protocol[];
  /** Kong's path_handling v0/v1. */
  pathHandling: 'v0' | 'v1';
  httpsRedirectStatusCode: number;
  requestBuffering: boolean;
  responseBuffering: boolean;
};

export type Consumer = { id: string; username?: string; customId?: string; tags: string[] };

export type JwtSecret = {
  id: string;
  consumerId: string;
  key: string;
  algorithm: 'HS256' | 'HS384' | 'HS512' | 'RS256' | 'RS384' | 'RS512' | 'ES256' | 'ES384' | 'ES512' | 'EdDSA';
  secret?: string;
  rsaPublicKey?: string;
};

export type KeyAuthCredential = { id: string; consumerId: string; key: string };

/** Lookups the auth plugins need, built once at load. */
export type ConsumerIndex = {
  byId(id: string): Consumer | undefined;
  /** By username or id, as Kong resolves `anonymous`. */
  byIdOrUsername(ref: string): Consumer | undefined;
  jwtSecretByKey(key: string): JwtSecret | undefined;
  keyAuthByKey(key: string): KeyAuthCredential | undefined;
  aclGroups(consumerId: string): string[];
};

export type GatewayConfig = {
  services: Service[];
  routes: Route[];
  consumers: Consumer[];
  plugins: PluginConfig[];
  index: ConsumerIndex;
};
