// Connection and request counters for /status (Kong's "server" block) and the nginx-style gauges.
import type { Server } from 'node:http';
import { Gauge, type Registry } from 'prom-client';

export type ServerStats = {
  connectionsAccepted: number;
  connectionsActive: number;
  requestsTotal: number;
  requestsInFlight: number;
};

export function trackServer(server: Server, registry: Registry): ServerStats {
  const stats: ServerStats = { connectionsAccepted: 0, connectionsActive: 0, requestsTotal: 0, requestsInFlight: 0 };
  server.on('connection', (socket) => {
    stats.connectionsAccepted += 1;
    stats.connectionsActive += 1;
    socket.once('close', () => {
      stats.connectionsActive -= 1;
    });
  });
  server.on('request', (_req, res) => {
    stats.requestsTotal += 1;
    stats.requestsInFlight += 1;
    res.once('close', () => {
      stats.requestsInFlight -= 1;
    });
  });
  new Gauge({
    name: 'kong_nginx_connections_total',
    help: 'Number of connections by state (accepted, active, handled, reading/writing, waiting)',
    labelNames: ['state'] as const,
    registers: [registry],
    collect() {
      this.set({ state: 'accepted' }, stats.connectionsAccepted);
      this.set({ state: 'handled' }, stats.connectionsAccepted);
      this.set({ state: 'active' }, stats.connectionsActive);
      this.set({ state: 'writing' }, stats.requestsInFlight);
      this.set({ state: 'waiting' }, Math.max(0, stats.connectionsActive - stats.requestsInFlight));
    },
  });
  new Gauge({
    name: 'kong_nginx_requests_total',
    help: 'Number of requests received by the proxy listener',
    registers: [registry],
    collect() {
      this.set(stats.requestsTotal);
    },
  });
  return stats;
}
