// temporary probe (not committed)
import { execSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAuthProcess } from '../auth-process.ts';
import { createBenchDatabase } from '../lib/bench-database.ts';
import { infra } from '../lib/deps.ts';
import { ensureBenchData } from './bench-data.ts';
import { download, uploadMultipart } from './transfer.ts';
import { spawnChild, waitForHttp } from '../gateway/child-process.ts';
import { freePort } from '../lib/free-port.ts';
import { devDefaults } from '../../infra/launcher/dev-env.ts';

const MB = 1024 * 1024;
const bytes = 256 * MB;
const data = ensureBenchData(bytes);
const runDir = mkdtempSync(join(tmpdir(), 'fprobe-'));
const auth = await startAuthProcess();
const db = await createBenchDatabase(infra.databaseUrl, 'fprobe');
const port = await freePort();
const child = spawnChild({ name: 'file', command: process.execPath, args: [...(process.env.FLAGS ? process.env.FLAGS.split(' ') : []), '--import', '@platform/shared/telemetry/register', 'src/main.ts'], cwd: '/work/main/services/file',
  env: { ...process.env, ...devDefaults('/work/main'), OTEL_SDK_DISABLED: 'true', LOG_LEVEL: 'warn', DATABASE_URL: db.url, PORT: String(port), AUTH_JWKS_URL: `${auth.baseUrl}/api/v1/public/auth/.well-known/jwks.json`, STORAGE_DIR: join(runDir, 'f'), TUS_DIR: join(runDir, 't'), MAX_UPLOAD_BYTES: String(4 * bytes), DEFAULT_QUOTA_BYTES: String(100 * bytes), EVENTS_EXCHANGE: 'bench.fprobe' },
  logFile: join(runDir, 'log') });
const url = `http://127.0.0.1:${port}`;
await waitForHttp(child, `${url}/api/v1/ready`, 60000, 200);
const email = `p-${randomBytes(3).toString('hex')}@example.com`;
await fetch(`${auth.baseUrl}/api/v1/public/auth/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: 'Probe-Passw0rd!', display_name: 'p' }) });
const login = await (await fetch(`${auth.baseUrl}/api/v1/public/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: 'Probe-Passw0rd!' }) })).json() as { data: { access_token: string } };
const token = login.data.access_token;
for (let i = 0; i < 2; i++) {
  const up = await uploadMultipart(`${url}/api/v1/files`, token, { path: data.path, bytes, name: 'b.gz', type: 'application/gzip' });
  const id = (up.body as { data: { id: string } }).data.id;
  console.log('upload', up.mb_per_s, 'status', up.status);
  const d = await download(`${url}/api/v1/files/${id}/content`, token);
  console.log('download node client', d.mb_per_s);
  const t0 = Date.now();
  execSync(`curl -s -o /dev/null -H 'authorization: Bearer ${token}' ${url}/api/v1/files/${id}/content`);
  console.log('download curl', (bytes / MB / ((Date.now() - t0) / 1000)).toFixed(1));
  const m = await (await fetch(`${url}/api/v1/metrics`)).text();
  console.log(m.split('\n').filter((l) => /^(nodejs_heap_size_(total|used)_bytes|nodejs_external_memory_bytes|process_resident_memory_bytes|nodejs_heap_space_size_used_bytes)/.test(l)).join('\n'));
  console.log('rss', execSync(`grep -E 'VmRSS|VmHWM' /proc/${child.pid}/status`).toString().replace(/\s+/g, ' '));
}
await child.stop(); await auth.stop(); await db.drop();
