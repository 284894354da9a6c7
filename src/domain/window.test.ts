import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isInWindow, localClock, nextWindowOpening, parseDailyWindow, windowClosing, WindowError } from './window.ts';

// local times, whatever the machine's time zone: the window is wall-clock time
const at = (hours: number, minutes: number, day = 10): Date => new Date(2026, 2, day, hours, minutes, 30);

test('parseDailyWindow reads HH:MM-HH:MM and normalises it', () => {
  assert.deepEqual(parseDailyWindow('22:00-06:00'), { startMinute: 1320, endMinute: 360, text: '22:00-06:00' });
  assert.deepEqual(parseDailyWindow('9:30-17:05'), { startMinute: 570, endMinute: 1025, text: '09:30-17:05' });
  assert.equal(parseDailyWindow('20:00-24:00').endMinute, 0, '24:00 is midnight');
  for (const bad of ['', '22-06', '22:00', '22:00-06:00-07:00', '25:00-06:00', '10:60-11:00', 'ab:cd-01:00', '24:30-01:00']) {
    assert.throws(() => parseDailyWindow(bad), (error: Error) => error instanceof WindowError && /use HH:MM-HH:MM in local time, e\.g\. 22:00-06:00/.test(error.message), bad);
  }
  assert.throws(() => parseDailyWindow('03:00-03:00'), /opens and closes at the same time; leave --window out/);
});

test('a same-day window holds from its start (inclusive) to its end (exclusive)', () => {
  const window = parseDailyWindow('09:00-17:00');
  assert.equal(isInWindow(window, at(8, 59)), false);
  assert.equal(isInWindow(window, at(9, 0)), true);
  assert.equal(isInWindow(window, at(16, 59)), true);
  assert.equal(isInWindow(window, at(17, 0)), false);
});

test('a window that wraps midnight holds late in the evening and early in the morning', () => {
  const window = parseDailyWindow('22:00-06:00');
  assert.equal(isInWindow(window, at(21, 59)), false);
  assert.equal(isInWindow(window, at(22, 0)), true);
  assert.equal(isInWindow(window, at(23, 59)), true);
  assert.equal(isInWindow(window, at(0, 0)), true);
  assert.equal(isInWindow(window, at(5, 59)), true);
  assert.equal(isInWindow(window, at(6, 0)), false);
  assert.equal(isInWindow(window, at(12, 0)), false);
});

test('nextWindowOpening: now when open, later today, or tomorrow', () => {
  const window = parseDailyWindow('22:00-06:00');
  const inside = at(23, 10);
  assert.equal(nextWindowOpening(window, inside), inside);
  assert.deepEqual(nextWindowOpening(window, at(12, 0)), new Date(2026, 2, 10, 22, 0));
  const morning = parseDailyWindow('02:00-04:00');
  assert.deepEqual(nextWindowOpening(morning, at(5, 0)), new Date(2026, 2, 11, 2, 0), 'passed today: tomorrow');
  assert.deepEqual(nextWindowOpening(morning, at(1, 0)), new Date(2026, 2, 10, 2, 0));
  // across a month's end
  assert.deepEqual(nextWindowOpening(morning, new Date(2026, 2, 31, 23, 0)), new Date(2026, 3, 1, 2, 0));
});

test('windowClosing: the end of the open window, tomorrow for a wrapped one opened tonight', () => {
  const window = parseDailyWindow('22:00-06:00');
  assert.deepEqual(windowClosing(window, at(23, 0)), new Date(2026, 2, 11, 6, 0));
  assert.deepEqual(windowClosing(window, at(1, 0)), new Date(2026, 2, 10, 6, 0));
  assert.equal(windowClosing(window, at(12, 0)), undefined);
  assert.equal(localClock(at(7, 5)), '07:05');
});
