// Minimal JSON client for the service under test, on node:http with keep-alive: on a 2-CPU machine
// the load generator shares the cores with the service, and fetch (undici) costs it several times
// more CPU per request.
import { Agent, request } from 'node:http';

const agent = new Agent({ keepAlive: true, maxSockets: 64 });
const TIMEOUT_MS = 30_000;

function send(method: 'GET' | 'POST', url: string, body?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const headers = body === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
    const req = request(url, { method, agent, headers, timeout: TIMEOUT_MS }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => { text += chunk; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${url} timed out`)));
    req.on('error', reject);
    req.end(body);
  });
}

export async function postJson<T>(url: string, body: unknown, expected: number): Promise<T> {
  const res = await send('POST', url, JSON.stringify(body));
  if (res.status !== expected) throw new Error(`POST ${new URL(url).pathname}: ${res.status} ${res.text.slice(0, 300)}`);
  return (JSON.parse(res.text) as { data: T }).data;
}

export async function getOk(url: string): Promise<void> {
  const res = await send('GET', url);
  if (res.status !== 200) throw new Error(`GET ${new URL(url).pathname}: ${res.status}`);
}

/** Closes idle keep-alive sockets so the process can exit. */
export const closeHttp = (): void => agent.destroy();
