import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sleepUntilServerTime } from './server-time.ts';

/** An API server clock running `scale` times faster than ours, read to whole seconds as the Date header is. */
function fastClock(scale: number, start = Date.parse('2026-03-10T12:00:00Z')): { now(): Promise<number>; reads: number } {
  const realStart = Date.now();
  const clock = {
    reads: 0,
    async now() {
      clock.reads++;
      return Math.floor((start + (Date.now() - realStart) * scale) / 1000) * 1000;
    },
  };
  return clock;
}

test('sleepUntilServerTime follows a server clock that runs 20x faster: it wakes at the target, not 20x later', async () => {
  const clock = fastClock(20);
  const target = (await clock.now()) + 40_000; // 2 s of real time
  const started = Date.now();
  await sleepUntilServerTime(clock, target);
  const real = Date.now() - started;
  assert.ok((await clock.now()) >= target);
  assert.ok(real >= 1_900 && real < 3_500, `woke after ${real} ms`);
  assert.ok(clock.reads < 15, `read the clock ${clock.reads} times`);
});

test('sleepUntilServerTime returns at once for a time already past, and stops on abort', async () => {
  const clock = fastClock(1);
  await sleepUntilServerTime(clock, (await clock.now()) - 1000);
  const controller = new AbortController();
  setTimeout(() => controller.abort(new Error('stop')), 50);
  await assert.rejects(sleepUntilServerTime(clock, (await clock.now()) + 3_600_000, { signal: controller.signal }), /stop/);
});
