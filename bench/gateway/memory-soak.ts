// RSS of the gateway under steady load: samples every few seconds during one long autocannon run.
// "Flat" here means the end is within 10 % of the start and no sample in the second half is a new
// high more than 10 % over the first half's: growth that keeps going is a leak, a plateau is not.
import { round } from '../lib/stats.ts';
import { rssBytes } from './proc-stats.ts';
import { runLoad, type LoadResult, type LoadTarget } from './load.ts';

const FLAT_TOLERANCE = 0.1;
const MIB = 2 ** 20;

export type SoakResult = {
  seconds: number;
  sample_every_s: number;
  rss_mib: { start: number; end: number; max: number; samples: number[] };
  growth: number;
  flat: boolean;
  load: LoadResult;
};

export async function memorySoak(target: LoadTarget, settings: { connections: number; soakS: number; rssEveryS: number }): Promise<SoakResult> {
  const samples: number[] = [];
  const sample = () => {
    const rss = rssBytes(target.processPid);
    if (rss !== null) samples.push(round(rss / MIB, 1));
  };
  sample();
  const timer = setInterval(sample, settings.rssEveryS * 1000);
  let load: LoadResult;
  try {
    load = await runLoad(target, { connections: settings.connections, warmupS: 0, durationS: settings.soakS });
  } finally {
    clearInterval(timer);
  }
  sample();
  const start = samples[0] ?? NaN;
  const end = samples.at(-1) ?? NaN;
  const half = Math.ceil(samples.length / 2);
  const firstHalfMax = Math.max(...samples.slice(0, half));
  const secondHalfMax = Math.max(...samples.slice(half));
  const growth = round((end - start) / start, 3);
  return {
    seconds: settings.soakS,
    sample_every_s: settings.rssEveryS,
    rss_mib: { start, end, max: Math.max(...samples), samples },
    growth,
    flat: growth <= FLAT_TOLERANCE && secondHalfMax <= firstHalfMax * (1 + FLAT_TOLERANCE),
    load,
  };
}
