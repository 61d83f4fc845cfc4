import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Consumer, Route, Service } from '../declarative/model.ts';
import type { RequestContext } from '../plugins/plugin.ts';
import type { UpstreamRequest } from './upstream-request.ts';

/** The RequestContext plugins see; a class so every request has the same shape, `shared` made on first use. */
export class GatewayRequestContext implements RequestContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly route: Route;
  readonly service: Service;
  readonly clientIp: string;
  readonly startedAt: bigint;
  consumer?: Consumer = undefined;
  credential?: RequestContext['credential'] = undefined;
  anonymous?: boolean = undefined;
  upstream: UpstreamRequest;
  responseHeaders: Record<string, string | string[]> = {};
  #shared: Map<string, unknown> | undefined;

  constructor(req: IncomingMessage, res: ServerResponse, route: Route, service: Service, clientIp: string, startedAt: bigint, upstream: UpstreamRequest) {
    this.req = req;
    this.res = res;
    this.route = route;
    this.service = service;
    this.clientIp = clientIp;
    this.startedAt = startedAt;
    this.upstream = upstream;
  }

  get shared(): Map<string, unknown> {
    return (this.#shared ??= new Map());
  }
}
