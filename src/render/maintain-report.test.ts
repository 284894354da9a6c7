import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MaintenanceReport } from '../ops/node/maintain-events.ts';
import { failureLine, lockHeldLine, unfinishedLines, type Continuation } from './maintain-report.ts';

const next: Continuation = {
  maintain: (node) => `kmaint node maintain ${node} --exec upgrade`,
  rollout: (nodes) => `kmaint node rollout ${nodes.join(' ')} --exec upgrade`,
  remove: (node) => `kmaint node remove ${node}`,
};

test('maintain: a failed command leaves the node cordoned; the advice says how to uncordon or re-run', () => {
  const report: MaintenanceReport = { status: 'failed', seconds: 3, error: 'the command exited with code 3 on n1', nodes: [{ node: 'n1', outcome: 'failed', stage: 'exec', error: 'the command exited with code 3 on n1', cordoned: true }] };
  assert.equal(failureLine(report, 'maintain'), 'maintenance of n1 failed at exec: the command exited with code 3 on n1');
  assert.deepEqual(unfinishedLines(report, 'maintain', next), [
    'done: cordon and drain',
    'not done: run the command, wait for the node to be back, uncordon, verify',
    'to continue: n1 stays cordoned (its pods were moved away); once it is healthy (kmaint node health n1), uncordon it: kmaint node uncordon n1 - or run its maintenance again: kmaint node maintain n1 --exec upgrade',
  ]);
});

test('maintain: a failed drain was undone, so nothing is left to uncordon', () => {
  const report: MaintenanceReport = { status: 'failed', seconds: 1, error: 'cannot delete Pods that declare no controller', nodes: [{ node: 'n1', outcome: 'failed', stage: 'drain', error: 'cannot delete Pods that declare no controller', cordoned: false }] };
  const lines = unfinishedLines(report, 'maintain', next);
  assert.equal(lines[0], 'done: nothing (the drain was undone: the node was uncordoned again)');
  assert.equal(lines[2], 'to continue: n1 is schedulable, as it was before; once the cause is fixed, run again: kmaint node maintain n1 --exec upgrade');
});

test('rollout: which nodes are done, which failed, which were not touched, and the commands that continue', () => {
  const report: MaintenanceReport = {
    status: 'failed',
    seconds: 9,
    error: 'the command exited with code 1 on w2',
    nodes: [
      { node: 'w1', outcome: 'done', rebooted: false, seconds: 3 },
      { node: 'w2', outcome: 'failed', stage: 'exec', error: 'the command exited with code 1 on w2', cordoned: true },
      { node: 'w3', outcome: 'untouched' },
      { node: 'w4', outcome: 'untouched' },
    ],
  };
  assert.equal(failureLine(report, 'rollout'), 'rollout stopped: w2 failed at exec: the command exited with code 1 on w2; 1 of 4 node(s) done, 2 not touched');
  const lines = unfinishedLines(report, 'rollout', next);
  assert.deepEqual(lines.slice(0, 4), ['done (1): w1', 'failed at exec: w2: the command exited with code 1 on w2 (stays cordoned)', 'not touched (2): w3, w4', 'to continue:']);
  assert.match(lines[4], /^ {2}w2 stays cordoned .* kmaint node uncordon w2 /);
  assert.equal(lines[5], '  the nodes not touched: kmaint node rollout w3 w4 --exec upgrade');
  assert.deepEqual(unfinishedLines({ ...report, status: 'done' }, 'rollout', next), []);
});

test('remove: a failed drain names what is left and both ways on', () => {
  const report: MaintenanceReport = { status: 'failed', seconds: 1, error: 'global timeout reached: 30s', nodes: [{ node: 'n1', outcome: 'failed', stage: 'drain', error: 'global timeout reached: 30s', cordoned: true }] };
  assert.equal(failureLine(report, 'remove'), 'node "n1" was not removed (failed at drain): global timeout reached: 30s');
  assert.deepEqual(unfinishedLines(report, 'remove', next), [
    'done: nothing',
    'not done: cordon and drain, delete the Node',
    'to continue: n1 stays cordoned; fix the cause and run again (kmaint node remove n1), or put it back in service: kmaint node uncordon n1',
  ]);
});

test('lockHeldLine: the holder, since when, when it expires, and --break-lock', () => {
  const now = Date.parse('2026-03-10T12:01:00Z');
  const line = lockHeldLine({ state: 'held', holderIdentity: 'alice@ops1 pid 42: kmaint node maintain n1 --exec x', acquiredAtMs: now - 60_000, renewedAtMs: now - 5_000, expiresAtMs: now + 295_000, durationSeconds: 300 }, now);
  assert.equal(line, 'the maintenance lock kube-system/kmaint-maintenance is held by "alice@ops1 pid 42: kmaint node maintain n1 --exec x" since 2026-03-10T12:00:00Z (last renewed 5s ago); it expires at 2026-03-10T12:05:55Z (in 4m55s) unless renewed. Wait for that maintenance to end, or take the lock over with --break-lock if it is gone');
});

test('waitText: hours and minutes, or minutes and seconds', async () => {
  const { waitText } = await import('./maintain-progress.ts');
  assert.deepEqual([waitText(10_620), waitText(750), waitText(45), waitText(-3)], ['2h57m', '12m30s', '45s', '0s']);
});

test('an interrupted maintenance names the step it stopped before', () => {
  const report: MaintenanceReport = { status: 'interrupted', seconds: 4, error: 'interrupted', nodes: [{ node: 'n1', outcome: 'stopped', stage: 'ready', reason: 'interrupted', cordoned: true }] };
  assert.equal(failureLine(report, 'maintain'), 'maintenance of n1 interrupted before the step: wait for the node to be back');
  assert.equal(unfinishedLines(report, 'maintain', next)[0], 'done: cordon and drain, run the command');
});
