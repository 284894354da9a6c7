import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimClock } from './clock.ts';

function manualClock(timeScale: number): { clock: SimClock; advance(realMs: number): void } {
  let real = 0;
  const clock = new SimClock(timeScale, new Date('2026-01-01T00:00:00Z'), () => real);
  return { clock, advance: (ms) => (real += ms) };
}

test('simulated time runs timeScale times faster than real time', () => {
  const { clock, advance } = manualClock(10);
  advance(1500);
  assert.equal(clock.now().toISOString(), '2026-01-01T00:00:15.000Z');
});

test('timers fire in simulated-time order, after the scaled real delay', async () => {
  // at scale 100 the two timers are 10 real ms apart: a pause between creating them (a loaded machine) does
  // not swap them, as it could at scale 1000
  const clock = new SimClock(100);
  const fired: string[] = [];
  const started = performance.now();
  clock.after(2000, () => fired.push('b'));
  clock.after(1000, () => fired.push('a'));
  const cancel = clock.after(1500, () => fired.push('cancelled'));
  cancel();
  await clock.sleep(3000);
  const realMs = performance.now() - started;
  assert.deepEqual(fired, ['a', 'b']);
  assert.ok(realMs >= 25 && realMs < 2000, `3 simulated seconds took ${realMs} real ms at scale 100`);
  clock.stop();
});

test('every() repeats, a fixed delay apart, until cancelled', async () => {
  const clock = new SimClock(10);
  let ticks = 0;
  const cancel = clock.every(100, () => ticks++);
  await clock.sleep(1050);
  cancel();
  const seen = ticks;
  await clock.sleep(500);
  assert.ok(seen >= 8 && seen <= 11, `ticks ${seen}`);
  assert.equal(ticks, seen);
  clock.stop();
});

test('a bad time scale is refused', () => {
  assert.throws(() => new SimClock(0), /positive number/);
  assert.throws(() => new SimClock(Number.NaN), /positive number/);
});
