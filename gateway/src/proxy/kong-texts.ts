// Kong's own wording for the answers the gateway gives itself (kong/tools/http.lua default messages,
// kong/runloop/handler.lua), so clients of real Kong and of this gateway read the same text.
export const KONG_VERSION = '3.10.0';
export const SERVER_TOKEN = `kong/${KONG_VERSION}`;
export const VIA = `1.1 ${SERVER_TOKEN}`;

export const KONG_TEXT = {
  noRoute: 'no Route matched with those values',
  badGateway: 'An invalid response was received from the upstream server',
  unavailable: 'The upstream server is currently unavailable',
  timeout: 'The upstream server is timing out',
  useHttps: 'Please use HTTPS protocol',
  internal: 'An unexpected error occurred',
} as const;
