import { test } from 'node:test';
import assert from 'node:assert/strict';
import { batches, changedAnything, summarizeRollout, withCordonState, type NodeMaintenance } from './rollout.ts';

test('batches of --max-unavailable, the last one shorter', () => {
  assert.deepEqual(batches(['a', 'b', 'c', 'd', 'e'], 2), [['a', 'b'], ['c', 'd'], ['e']]);
  assert.deepEqual(batches(['a', 'b'], 5), [['a', 'b']]);
  assert.deepEqual(batches([], 1), []);
  assert.throws(() => batches(['a'], 0), /at least 1/);
});

test('summarizeRollout: done, failed, stopped, untouched, and what stays cordoned', () => {
  const nodes: NodeMaintenance[] = [
    { node: 'a', outcome: 'done', rebooted: true, seconds: 12 },
    { node: 'b', outcome: 'failed', stage: 'exec', error: 'exit 3', cordoned: true },
    { node: 'c', outcome: 'stopped', stage: 'drain', reason: 'b failed', cordoned: false },
    { node: 'd', outcome: 'untouched' },
  ];
  assert.deepEqual(summarizeRollout(nodes), { done: ['a'], failed: ['b'], stopped: ['c'], untouched: ['d'], leftCordoned: ['b'] });
  assert.equal(changedAnything(nodes), true);
  assert.equal(changedAnything([{ node: 'b', outcome: 'failed', stage: 'drain', error: 'x', cordoned: false }, { node: 'c', outcome: 'untouched' }]), false, 'a drain undone changes nothing');
  assert.equal(changedAnything([{ node: 'b', outcome: 'stopped', stage: 'uncordon', reason: 'lock lost', cordoned: false }]), true, 'past its drain, a node was worked on');
  assert.deepEqual(withCordonState({ node: 'b', outcome: 'stopped', stage: 'uncordon', reason: 'lock lost', cordoned: true }, false), { node: 'b', outcome: 'stopped', stage: 'uncordon', reason: 'lock lost', cordoned: false });
  assert.deepEqual(withCordonState({ node: 'a', outcome: 'untouched' }, true), { node: 'a', outcome: 'untouched' });
});
