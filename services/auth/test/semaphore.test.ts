import { describe, expect, it } from 'vitest';
import { createSemaphore } from '../src/infra/semaphore.ts';

const tick = () => new Promise((r) => setImmediate(r));

describe('createSemaphore', () => {
  it('runs at most `limit` tasks at once, the rest in arrival order', async () => {
    const slots = createSemaphore(2);
    const order: number[] = [];
    const gates = [0, 1, 2, 3].map(() => Promise.withResolvers<void>());
    const runs = gates.map((g, i) => slots.run(async () => { order.push(i); await g.promise; return i; }));
    await tick();
    expect(order).toEqual([0, 1]);
    expect(slots.running).toBe(2);
    expect(slots.queued).toBe(2);
    gates[1]!.resolve();
    await tick();
    expect(order).toEqual([0, 1, 2]);
    gates.forEach((g) => g.resolve());
    expect(await Promise.all(runs)).toEqual([0, 1, 2, 3]);
    expect(slots.running).toBe(0);
  });

  it('frees the slot when a task throws', async () => {
    const slots = createSemaphore(1);
    await expect(slots.run(async () => { throw new Error('boom'); })).rejects.toThrow('boom');
    expect(await slots.run(async () => 'ok')).toBe('ok');
  });

  it('sheds load past the queue bound', async () => {
    const slots = createSemaphore(1, { maxQueue: 1 });
    const gate = Promise.withResolvers<void>();
    const first = slots.run(() => gate.promise);
    const second = slots.run(async () => 'queued');
    await expect(slots.run(async () => 'x', () => new Error('full'))).rejects.toThrow('full');
    gate.resolve();
    await first;
    expect(await second).toBe('queued');
  });
});
