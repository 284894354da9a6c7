import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RequestQueue } from './request-queue.ts';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

test('no more than the limit run at once; the most urgent waiting work goes next, ties in arrival order', async () => {
  const queue = new RequestQueue(2);
  const started: string[] = [];
  const gates = new Map<string, { promise: Promise<void>; resolve: () => void }>();
  const job = (name: string, urgency: number): Promise<string> => {
    const gate = deferred();
    gates.set(name, gate);
    return queue.run(urgency, async () => {
      started.push(name);
      await gate.promise;
      return name;
    });
  };
  const runs = [job('a', 0), job('b', 0), job('low', 0), job('high', 4), job('mid', 2), job('high2', 4), job('last', -1)];
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(started, ['a', 'b']);
  for (const name of ['a', 'b', 'high', 'high2', 'mid', 'low', 'last']) {
    gates.get(name)!.resolve();
    await new Promise((resolve) => setImmediate(resolve));
  }
  assert.deepEqual(started, ['a', 'b', 'high', 'high2', 'mid', 'low', 'last']);
  assert.deepEqual(await Promise.all(runs), ['a', 'b', 'low', 'high', 'mid', 'high2', 'last']);
});

test('a failed run frees its place and the error reaches its caller', async () => {
  const queue = new RequestQueue(1);
  const failing = queue.run(1, async () => {
    throw new Error('refused');
  });
  const next = queue.run(0, async () => 'ran');
  await assert.rejects(failing, /refused/);
  assert.equal(await next, 'ran');
});
