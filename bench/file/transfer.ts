// The client side of the file benchmark: a multipart upload streamed from disk and a download
// drained without keeping the bytes, each over node:http (no client-side buffering), plus the plain
// disk copies they are compared with.
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFile, rm } from 'node:fs/promises';
import { createReadStream, createWriteStream } from 'node:fs';
import { request } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { rssBytes } from '../gateway/proc-stats.ts';

export type Transfer = { bytes: number; seconds: number; mb_per_s: number };

const MB = 1024 * 1024;
const result = (bytes: number, startedNs: bigint): Transfer => {
  const seconds = Number(process.hrtime.bigint() - startedNs) / 1e9;
  return { bytes, seconds: Number(seconds.toFixed(3)), mb_per_s: Number((bytes / MB / seconds).toFixed(1)) };
};

/** The same bytes copied on disk as a stream (read → write in user space): what any server has to beat. */
export async function streamCopy(src: string, dst: string, bytes: number): Promise<Transfer> {
  const started = process.hrtime.bigint();
  await pipeline(createReadStream(src, { highWaterMark: MB }), createWriteStream(dst));
  const r = result(bytes, started);
  await rm(dst, { force: true });
  return r;
}

/** fs.copyFile: the kernel copies (copy_file_range), no bytes pass through the process. */
export async function kernelCopy(src: string, dst: string, bytes: number): Promise<Transfer> {
  const started = process.hrtime.bigint();
  await copyFile(src, dst);
  const r = result(bytes, started);
  await rm(dst, { force: true });
  return r;
}

/**
 * curl as the client when the machine has it: on a 2-vCPU box a Node client competes with the
 * gateway and the service for CPU, curl (C, streaming from disk, no JS) leaves them the most.
 */
export const CLIENT: 'curl' | 'node' = (() => {
  try { execFileSync('curl', ['--version'], { stdio: 'ignore' }); return 'curl'; } catch { return 'node'; }
})();

function curl(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('curl', ['-s', '-S', '--http1.1', ...args], { maxBuffer: 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`curl failed: ${stderr || err.message}`));
      else resolve(stdout);
    });
  });
}

/** POST multipart/form-data with the file in field `file`, streamed from disk. Resolves with the JSON answer. */
export async function uploadMultipart(url: string, token: string, file: { path: string; bytes: number; name: string; type: string }): Promise<Transfer & { status: number; body: unknown }> {
  if (CLIENT === 'node') return uploadMultipartNode(url, token, file);
  const started = process.hrtime.bigint();
  // -w prints the status after the body: the last line.
  const out = await curl(['-H', `authorization: Bearer ${token}`, '-H', 'expect:', '-F', `file=@${file.path};type=${file.type};filename=${file.name}`, '-w', '\n%{http_code}', url]);
  const timing = result(file.bytes, started);
  const cut = out.lastIndexOf('\n');
  let body: unknown = out.slice(0, cut);
  try { body = JSON.parse(out.slice(0, cut)); } catch { /* not JSON */ }
  return { ...timing, status: Number(out.slice(cut + 1)), body };
}

async function uploadMultipartNode(url: string, token: string, file: { path: string; bytes: number; name: string; type: string }): Promise<Transfer & { status: number; body: unknown }> {
  const boundary = `bench${randomBytes(12).toString('hex')}`;
  const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${file.name}"\r\nContent-Type: ${file.type}\r\n\r\n`);
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': `multipart/form-data; boundary=${boundary}`,
        'content-length': String(head.length + file.bytes + tail.length),
      },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        let body: unknown = text;
        try { body = JSON.parse(text); } catch { /* not JSON */ }
        resolve({ ...result(file.bytes, started), status: res.statusCode ?? 0, body });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.write(head);
    const source = createReadStream(file.path, { highWaterMark: MB });
    source.on('error', reject);
    source.pipe(req, { end: false });
    source.on('end', () => req.end(tail));
  });
}

/**
 * tus: POST creates the upload, one PATCH sends the whole file streamed from disk; the answer comes
 * once the service has also run the finishing step (a second pass over the bytes into storage).
 */
export async function uploadTus(endpoint: string, token: string, file: { path: string; bytes: number; name: string; type: string }): Promise<Transfer & { status: number; fileId: string | null; location: string | null }> {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const started = process.hrtime.bigint();
  const created = await fetch(endpoint, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`, 'tus-resumable': '1.0.0', 'upload-length': String(file.bytes),
      'upload-metadata': `filename ${b64(file.name)},filetype ${b64(file.type)}`,
    },
  });
  await created.arrayBuffer();
  const location = created.headers.get('location');
  if (created.status !== 201 || !location) return { ...result(0, started), status: created.status, fileId: null, location };
  if (CLIENT === 'curl') {
    const out = await curl(['-X', 'PATCH', '-T', file.path, '-H', `authorization: Bearer ${token}`, '-H', 'tus-resumable: 1.0.0', '-H', 'upload-offset: 0',
      '-H', 'content-type: application/offset+octet-stream', '-H', 'expect:', '-o', '/dev/null', '-D', '-', '-w', '%{http_code}', location]);
    const fileId = /^x-file-id:\s*(\S+)/im.exec(out)?.[1] ?? null;
    return { ...result(file.bytes, started), status: Number(out.slice(-3)), fileId, location };
  }
  return new Promise((resolve, reject) => {
    const req = request(location, {
      method: 'PATCH',
      headers: {
        authorization: `Bearer ${token}`, 'tus-resumable': '1.0.0', 'upload-offset': '0',
        'content-type': 'application/offset+octet-stream', 'content-length': String(file.bytes),
      },
    }, (res) => {
      res.resume();
      res.on('end', () => resolve({ ...result(file.bytes, started), status: res.statusCode ?? 0, fileId: (res.headers['x-file-id'] as string | undefined) ?? null, location }));
      res.on('error', reject);
    });
    req.on('error', reject);
    const source = createReadStream(file.path, { highWaterMark: MB });
    source.on('error', reject);
    source.pipe(req);
  });
}

/** GET, counting the bytes and dropping them. */
export async function download(url: string, token?: string): Promise<Transfer & { status: number }> {
  const started = process.hrtime.bigint();
  if (CLIENT === 'curl') {
    const out = await curl([...(token ? ['-H', `authorization: Bearer ${token}`] : []), '-o', '/dev/null', '-w', '%{http_code} %{size_download}', url]);
    const [status, size] = out.trim().split(' ').map(Number);
    return { ...result(size ?? 0, started), status: status ?? 0 };
  }
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: token ? { authorization: `Bearer ${token}` } : {} }, (res) => {
      let bytes = 0;
      res.on('data', (c: Buffer) => { bytes += c.length; });
      res.on('end', () => resolve({ ...result(bytes, started), status: res.statusCode ?? 0 }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** Peak RSS of some processes while `work` runs (sampled every 50 ms), with the work's result. */
export async function withRssPeaks<T>(pids: Record<string, number>, work: () => Promise<T>): Promise<{ value: T; peak_rss_mb: Record<string, number> }> {
  const peaks: Record<string, number> = Object.fromEntries(Object.keys(pids).map((k) => [k, 0]));
  const sample = () => {
    for (const [name, pid] of Object.entries(pids)) peaks[name] = Math.max(peaks[name] ?? 0, rssBytes(pid) ?? 0);
  };
  sample();
  const timer = setInterval(sample, 50);
  try {
    const value = await work();
    sample();
    return { value, peak_rss_mb: Object.fromEntries(Object.entries(peaks).map(([k, v]) => [k, Number((v / MB).toFixed(1))])) };
  } finally {
    clearInterval(timer);
  }
}
