// Kong's correlation-id plugin (3.10, priority 100001: runs first). A request without the header
// (or with it empty) gets a generated id, sent upstream; with echo_downstream the id also goes back
// to the client, on proxied answers and on the gateway's own (Kong sets it in header_filter).
//
// The platform's services take X-Request-ID as their request id (shared requestContext accepts
// [A-Za-z0-9._:-]{1,128}), so kong.yml configures this plugin globally as
//   { header_name: X-Request-ID, generator: uuid, echo_downstream: true }
// ("uuid#counter" ids contain "#", which the services would replace with their own id).
import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import { z } from 'zod';
import type { PluginDefinition, RequestContext } from './plugin.ts';

const schema = z.strictObject({
  header_name: z.string().min(1).default('Kong-Request-ID'),
  generator: z.enum(['uuid', 'uuid#counter', 'tracker']).default('uuid#counter'),
  echo_downstream: z.boolean().default(false),
});

type Generate = (ctx: RequestContext) => string;

// Kong: one UUID per nginx worker, a counter appended (the first request gets #1).
const processUuid = randomUUID();
let counter = 0;

// nginx's $connection (serial number) and $connection_requests, kept per socket.
const connections = new WeakMap<Socket, { serial: number; requests: number }>();
let connectionSerial = 0;

const generators: Record<z.infer<typeof schema>['generator'], Generate> = {
  uuid: () => randomUUID(),
  'uuid#counter': () => `${processUuid}#${++counter}`,
  // Kong: server_addr-server_port-pid-connection-connection_requests-now (seconds, 3 decimals).
  tracker: (ctx) => {
    const socket = ctx.req.socket;
    let connection = connections.get(socket);
    if (!connection) {
      connection = { serial: ++connectionSerial, requests: 0 };
      connections.set(socket, connection);
    }
    connection.requests += 1;
    return `${socket.localAddress ?? ''}-${socket.localPort ?? ''}-${process.pid}-${connection.serial}-${connection.requests}-${(Date.now() / 1000).toFixed(3)}`;
  },
};

/** ctx.shared key holding this request's correlation id (for logs and the gateway's own envelopes). */
export const CORRELATION_ID = 'correlation-id';

export const correlationIdPlugin: PluginDefinition<typeof schema> = {
  name: 'correlation-id',
  priority: 100001,
  schema,
  create(config) {
    const name = config.header_name.toLowerCase();
    const generate = generators[config.generator];
    return {
      access(ctx) {
        const sent = ctx.req.headers[name];
        let id = Array.isArray(sent) ? sent[0] : sent;
        if (!id) {
          id = generate(ctx);
          ctx.upstream.headers[name] = id;
        }
        ctx.shared.set(CORRELATION_ID, id);
        // Also for answers the gateway gives itself (errors, preflights); lower-case so it replaces
        // rather than duplicates the upstream's own header of that name.
        if (config.echo_downstream) ctx.responseHeaders[name] = id;
      },
      headerFilter(ctx, upstream) {
        if (!config.echo_downstream) return;
        // Kong: the id from access, else the client's header (access did not run), else a new one.
        const id = ctx.shared.get(CORRELATION_ID) as string | undefined;
        const sent = ctx.req.headers[name];
        upstream.headers[name] = id || (Array.isArray(sent) ? sent[0] : sent) || generate(ctx);
      },
    };
  },
};
