// nginx as the reference proxy: Debian's nginx-light, run in the foreground with a config of our own
// in a temp directory, bound to 127.0.0.1 (never the system service). One worker process, so it is
// compared with single-threaded Node on equal terms; upstream keep-alive as a tuned nginx has it.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { progress } from '../lib/log.ts';
import { spawnChild, waitForHttp, type Child } from './child-process.ts';

const CANDIDATES = ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/bin/nginx', '/usr/local/bin/nginx'];
const APT_TIMEOUT_MS = 5 * 60_000;

const findNginx = (): string | undefined => CANDIDATES.find((path) => existsSync(path));

function apt(args: string[]): void {
  execFileSync('apt-get', args, { stdio: 'ignore', timeout: APT_TIMEOUT_MS, env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

/** The nginx binary, installing nginx-light with apt-get when allowed and possible; else why not. */
export function ensureNginx(mayInstall: boolean): { binary: string } | { skipped: string } {
  const found = findNginx();
  if (found) return { binary: found };
  if (!mayInstall) return { skipped: 'nginx is not installed and BENCH_GATEWAY_INSTALL_NGINX=0' };
  if (process.getuid?.() !== 0) return { skipped: 'nginx is not installed and installing nginx-light needs root' };
  if (!existsSync('/usr/bin/apt-get')) return { skipped: 'nginx is not installed and there is no apt-get on this machine' };
  progress('nginx: not installed; apt-get install -y nginx-light');
  try {
    try {
      apt(['install', '-y', '--no-install-recommends', 'nginx-light']);
    } catch {
      // A fresh machine's package lists may be empty or stale.
      apt(['update']);
      apt(['install', '-y', '--no-install-recommends', 'nginx-light']);
    }
  } catch (err) {
    return { skipped: `apt-get install nginx-light failed: ${(err as Error).message.split('\n')[0]}` };
  }
  const installed = findNginx();
  return installed ? { binary: installed } : { skipped: 'nginx-light installed but no nginx binary found' };
}

export function nginxVersion(binary: string): string | null {
  try {
    // nginx prints its version on stderr.
    return execFileSync(binary, ['-v'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim() || null;
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr;
    return stderr ? stderr.trim() : null;
  }
}

function config(dir: string, port: number, upstreamPort: number): string {
  return `# Written by bench/gateway/nginx.ts for one benchmark run.
worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  keepalive_timeout 65s;
  keepalive_requests 1000000;
  upstream bench_upstream {
    server 127.0.0.1:${upstreamPort};
    keepalive 64;
    keepalive_requests 1000000;
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://bench_upstream;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
`;
}

export async function startNginx(binary: string, runDir: string, port: number, upstreamPort: number): Promise<Child> {
  const dir = join(runDir, 'nginx');
  mkdirSync(dir, { recursive: true });
  const confPath = join(dir, 'nginx.conf');
  writeFileSync(confPath, config(dir, port, upstreamPort));
  // -e: the startup error log too goes to our directory, not /var/log/nginx.
  const child = spawnChild({ name: 'nginx', command: binary, args: ['-p', dir, '-e', join(dir, 'error.log'), '-c', confPath], cwd: dir, env: process.env, logFile: join(dir, 'stdout.log') });
  await waitForHttp(child, `http://127.0.0.1:${port}/api/v1/bench/ready`, 10_000, 200);
  return child;
}
