// Reads a V8 .cpuprofile (node --cpu-prof) into the hot spots worth reading: functions by self
// time, areas (our files, npm packages, Node internals, GC) by self time, and the gateway's own
// functions by inclusive time (what each costs with everything it calls).
import { readFileSync } from 'node:fs';
import { rootDir } from '../lib/deps.ts';
import { round } from '../lib/stats.ts';

type CallFrame = { functionName: string; url: string; lineNumber: number };
type ProfileNode = { id: number; callFrame: CallFrame; children?: number[] };
type CpuProfile = { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };

export type HotSpot = { name: string; ms: number; share: number; us_per_request: number };
export type ProfileSummary = {
  /** Sampled time with the event loop busy (idle excluded), ms. */
  busy_ms: number;
  /** Requests served in the profiled window (the divisor of us_per_request). */
  requests: number;
  top_self: HotSpot[];
  top_areas: HotSpot[];
  top_gateway_inclusive: HotSpot[];
};

const ROOT = rootDir.href;
const ROOT_MARK = `${ROOT}gateway/src/`;

function shortUrl(url: string): string {
  const pnpm = /node_modules\/\.pnpm\/[^/]+\/node_modules\/((?:@[^/]+\/)?[^/]+)\/(.*)$/.exec(url);
  if (pnpm) return `${pnpm[1]}/${pnpm[2]}`;
  const plain = /node_modules\/((?:@[^/]+\/)?[^/]+)\/(.*)$/.exec(url);
  if (plain) return `${plain[1]}/${plain[2]}`;
  if (url.startsWith(ROOT)) return url.slice(ROOT.length);
  return url;
}

function area(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const pkg = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (pkg) return `npm:${pkg[1]}`;
  if (url.startsWith('node:')) return url.split('/').slice(0, 2).join('/');
  if (url.startsWith('wasm://')) return 'wasm';
  return shortUrl(url);
}

const key = (f: CallFrame) => `${f.functionName || '(anonymous)'} ${f.url ? `${shortUrl(f.url)}:${f.lineNumber + 1}` : ''}`.trim();

function top(map: Map<string, number>, total: number, requests: number, n: number): HotSpot[] {
  return [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, us]) => ({ name, ms: round(us / 1000, 1), share: round(us / total, 3), us_per_request: round(us / requests, 1) }));
}

/**
 * `skipFirstMs`: samples that early after the profile started (start-up, warm-up) are left out;
 * `requests`: how many requests the remaining window served, to state each cost per request.
 */
export function summarizeCpuProfile(path: string, skipFirstMs: number, requests: number, n = 15): ProfileSummary {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

  const self = new Map<string, number>();
  const areas = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let busy = 0;
  let elapsedUs = 0;
  profile.samples.forEach((id, i) => {
    const node = byId.get(id);
    const us = profile.timeDeltas[i] ?? 0;
    elapsedUs += us;
    if (elapsedUs < skipFirstMs * 1000) return;
    if (!node || node.callFrame.functionName === '(idle)') return;
    busy += us;
    const k = key(node.callFrame);
    self.set(k, (self.get(k) ?? 0) + us);
    const a = area(node.callFrame.url, node.callFrame.functionName);
    areas.set(a, (areas.get(a) ?? 0) + us);
    // Each of the gateway's functions on this stack counts the sample once, however deep it recurses.
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const frame = byId.get(cur)?.callFrame;
      if (!frame || !frame.url.startsWith(ROOT_MARK)) continue;
      const fk = key(frame);
      if (seen.has(fk)) continue;
      seen.add(fk);
      inclusive.set(fk, (inclusive.get(fk) ?? 0) + us);
    }
  });
  return {
    busy_ms: round(busy / 1000, 0),
    requests,
    top_self: top(self, busy, requests, n),
    // Every area, so another profile's areas can be looked up in it.
    top_areas: top(areas, busy, requests, Infinity),
    top_gateway_inclusive: top(inclusive, busy, requests, n),
  };
}
