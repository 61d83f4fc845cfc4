/** At most `limit` tasks run at once; the rest wait in arrival order. A queue bound sheds load instead of growing forever. */
export function createSemaphore(limit: number, { maxQueue = Infinity }: { maxQueue?: number } = {}) {
  let running = 0;
  const waiting: (() => void)[] = [];

  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else running--;
  };

  return {
    get running() { return running; },
    get queued() { return waiting.length; },
    /** Runs fn when a slot is free; rejects with `onFull()` when the queue is at its bound. */
    async run<T>(fn: () => Promise<T>, onFull: () => Error = () => new Error('semaphore queue is full')): Promise<T> {
      if (running < limit) running++;
      else if (waiting.length >= maxQueue) throw onFull();
      else await new Promise<void>((resolve) => waiting.push(resolve));
      try {
        return await fn();
      } finally {
        release();
      }
    },
  };
}
