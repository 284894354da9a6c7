import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DurationError, formatGoDuration, parseGoDuration } from './duration.ts';

test('parseGoDuration reads what time.ParseDuration reads', () => {
  assert.equal(parseGoDuration('24h'), 86_400_000);
  assert.equal(parseGoDuration('90m'), 5_400_000);
  assert.equal(parseGoDuration('1h30m'), 5_400_000);
  assert.equal(parseGoDuration('1.5h'), 5_400_000);
  assert.equal(parseGoDuration('24h0m0s'), 86_400_000);
  assert.equal(parseGoDuration('500ms'), 500);
  assert.equal(parseGoDuration('0'), 0);
  for (const bad of ['', 'tomorrow', '5', '-5s', '1d', '5 s']) {
    assert.throws(() => parseGoDuration(bad), (error: Error) => error instanceof DurationError && /use a Go duration such as 24h, 90m, 1h30m/.test(error.message), bad);
  }
});

test('formatGoDuration prints as time.Duration.String does', () => {
  assert.equal(formatGoDuration(0), '0s');
  assert.equal(formatGoDuration(500), '500ms');
  assert.equal(formatGoDuration(10_000), '10s');
  assert.equal(formatGoDuration(1_500), '1.5s');
  assert.equal(formatGoDuration(60_000), '1m0s');
  assert.equal(formatGoDuration(5_400_000), '1h30m0s');
  assert.equal(formatGoDuration(90_500), '1m30.5s');
});
