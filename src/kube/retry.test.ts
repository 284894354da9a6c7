import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KubeApiError, KubeConnectionError } from './errors.ts';
import { isBudgetRefusal, isSeveralBudgetsError, isTransient, READ_RETRY, retryDelayMs, TRANSIENT_RETRY, withRetries } from './retry.ts';

function apiError(code: number, reason: string, message: string, extra: { causes?: Array<{ reason: string; message: string }>; retryAfterSeconds?: number } = {}): KubeApiError {
  return new KubeApiError({ code, reason, message, details: extra.causes ? { causes: extra.causes } : undefined, retryAfterSeconds: extra.retryAfterSeconds });
}

const budget429 = apiError(429, 'TooManyRequests', "Cannot evict pod as it would violate the pod's disruption budget.", { causes: [{ reason: 'DisruptionBudget', message: 'The disruption budget web needs 2 healthy pods and has 2 currently' }] });
const throttled = apiError(429, 'TooManyRequests', 'Too many requests, please try again later.', { retryAfterSeconds: 1 });
const severalBudgets = apiError(500, 'InternalError', 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.');
const internal = apiError(500, 'InternalError', 'Internal error occurred: etcdserver: leader changed');
const conflict = apiError(409, 'Conflict', 'Operation cannot be fulfilled on poddisruptionbudgets.policy "web": the object has been modified');

test('server errors of a moment, throttling and lost connections are transient', () => {
  for (const code of [500, 502, 503, 504]) assert.ok(isTransient(apiError(code, 'InternalError', 'x')), String(code));
  assert.ok(isTransient(throttled));
  assert.ok(isTransient(new KubeConnectionError('reset', 'https://x', 'ECONNRESET')));
  assert.ok(isTransient(new KubeConnectionError('timed out', 'https://x', 'ETIMEDOUT')));
});

test('what no retry cures is final: 4xx, the several-budgets 500, a budget 429, a refused connection, other errors', () => {
  for (const [code, reason] of [[400, 'BadRequest'], [401, 'Unauthorized'], [403, 'Forbidden'], [404, 'NotFound'], [422, 'Invalid'], [501, 'NotImplemented']] as const) {
    assert.equal(isTransient(apiError(code, reason, 'x'), { conflicts: true }), false, String(code));
  }
  assert.ok(isSeveralBudgetsError(severalBudgets));
  assert.ok(!isSeveralBudgetsError(internal));
  assert.equal(isTransient(severalBudgets, { conflicts: true }), false);
  assert.equal(isTransient(budget429), false);
  assert.equal(isTransient(new KubeConnectionError('refused', 'https://x', 'ECONNREFUSED')), false);
  assert.equal(isTransient(new Error('boom')), false);
});

test('409 is transient only for requests that do not depend on the version, and never AlreadyExists', () => {
  assert.equal(isTransient(conflict), false);
  assert.equal(isTransient(conflict, { conflicts: true }), true);
  assert.equal(isTransient(apiError(409, 'AlreadyExists', 'pods "x" already exists'), { conflicts: true }), false);
});

test("a budget's 429 is told apart from the server's throttling", () => {
  assert.ok(isBudgetRefusal(budget429));
  assert.ok(isBudgetRefusal(apiError(429, 'TooManyRequests', "Cannot evict pod as it would violate the pod's disruption budget.")));
  assert.ok(!isBudgetRefusal(throttled));
  assert.ok(!isBudgetRefusal(internal));
});

test('the wait is the server Retry-After (capped), else a doubling backoff with up to half of it as jitter', () => {
  assert.equal(retryDelayMs(throttled, 1, TRANSIENT_RETRY), 1000);
  assert.equal(retryDelayMs(apiError(503, 'ServiceUnavailable', 'x', { retryAfterSeconds: 0 }), 3, TRANSIENT_RETRY), 0);
  assert.equal(retryDelayMs(apiError(429, 'TooManyRequests', 'x', { retryAfterSeconds: 600 }), 1, TRANSIENT_RETRY), 30_000);
  assert.deepEqual([1, 2, 3, 4, 5, 6].map((n) => retryDelayMs(internal, n, TRANSIENT_RETRY, () => 0)), [250, 500, 1000, 2000, 4000, 4000]);
  assert.deepEqual([1, 2, 3].map((n) => retryDelayMs(internal, n, TRANSIENT_RETRY, () => 1)), [375, 750, 1500]);
  assert.equal(retryDelayMs(internal, 5, TRANSIENT_RETRY, () => 1), 4000, 'the jitter never passes the cap');
  assert.deepEqual([1, 2, 3].map((n) => retryDelayMs(internal, n, READ_RETRY, () => 0)), [200, 400, 800]);
});

const quick = { ...TRANSIENT_RETRY, initialMs: 1, maxMs: 2 };

test('withRetries sends again after transient failures and returns the success', async () => {
  const answers: unknown[] = [internal, conflict, apiError(503, 'ServiceUnavailable', 'x')];
  const told: Array<[number, number]> = [];
  let sent = 0;
  const result = await withRetries(async () => {
    sent++;
    const next = answers.shift();
    if (next) throw next;
    return 'done';
  }, { policy: quick, conflicts: true, onRetry: (_error, wait, attempt) => told.push([attempt, wait]) });
  assert.equal(result, 'done');
  assert.equal(sent, 4);
  assert.deepEqual(told.map(([attempt]) => attempt), [1, 2, 3]);
});

test('withRetries gives up after the policy retries, and at once on a final error or a conflict it was not told about', async () => {
  let sent = 0;
  await assert.rejects(withRetries(async () => {
    sent++;
    throw internal;
  }, { policy: quick }), (error) => error === internal);
  assert.equal(sent, quick.retries + 1);
  sent = 0;
  await assert.rejects(withRetries(async () => {
    sent++;
    throw severalBudgets;
  }, { policy: quick }), (error) => error === severalBudgets);
  assert.equal(sent, 1);
  sent = 0;
  await assert.rejects(withRetries(async () => {
    sent++;
    throw conflict;
  }, { policy: quick }), (error) => error === conflict);
  assert.equal(sent, 1);
});

test('withRetries stops waiting when its signal aborts', async () => {
  const controller = new AbortController();
  const started = Date.now();
  setTimeout(() => controller.abort(new Error('interrupted')), 20);
  await assert.rejects(withRetries(async () => {
    throw internal;
  }, { policy: { ...TRANSIENT_RETRY, initialMs: 60_000, maxMs: 60_000 }, signal: controller.signal }));
  assert.ok(Date.now() - started < 5_000);
});
