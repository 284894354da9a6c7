import { test } from 'node:test';
import assert from 'node:assert/strict';
import { heldLease, holderIdentity, isHeldBy, LOCK_ANNOTATIONS, LOCK_NAME, lockStatus, microTime, releasedLease, renewedLease, type LockHolder } from './maintenance-lock.ts';

const T0 = Date.parse('2026-03-10T12:00:00Z');
const alice: LockHolder = { user: 'alice', host: 'ops1', pid: 4242, command: 'kmaint node maintain k8s-node1 --exec reboot', token: 'tok-a' };
const bob: LockHolder = { user: 'bob', host: 'ops2', pid: 7, command: 'kmaint node rollout -l pool=a --exec upgrade', token: 'tok-b' };

test('a new hold: holder, duration, MicroTime stamps, the holder annotations', () => {
  const lease = heldLease(undefined, alice, T0, 300);
  assert.equal(lease.metadata.name, LOCK_NAME);
  assert.equal(lease.metadata.namespace, 'kube-system');
  assert.equal(lease.spec.holderIdentity, 'alice@ops1 pid 4242: kmaint node maintain k8s-node1 --exec reboot');
  assert.equal(lease.spec.leaseDurationSeconds, 300);
  assert.equal(lease.spec.acquireTime, '2026-03-10T12:00:00.000000Z');
  assert.equal(lease.spec.renewTime, lease.spec.acquireTime);
  assert.equal(lease.spec.leaseTransitions, 0);
  assert.equal(lease.metadata.annotations![LOCK_ANNOTATIONS.pid], '4242');
  assert.ok(isHeldBy(lease, 'tok-a'));
  assert.ok(!isHeldBy(lease, 'tok-b'));
});

test('lockStatus: held until renewTime + leaseDurationSeconds, then expired; free without a holder', () => {
  const lease = { ...heldLease(undefined, alice, T0, 300), metadata: { ...heldLease(undefined, alice, T0, 300).metadata, resourceVersion: '5' } };
  const held = lockStatus(lease, T0 + 10_000);
  assert.equal(held.state, 'held');
  assert.ok('expiresAtMs' in held && held.expiresAtMs === T0 + 300_000 && held.token === 'tok-a');
  assert.equal(lockStatus(lease, T0 + 300_000).state, 'expired');
  const renewed = renewedLease(lease, T0 + 200_000);
  assert.equal(renewed.metadata.resourceVersion, '5', 'an update is conditional on what was read');
  assert.equal(lockStatus(renewed, T0 + 300_000).state, 'held');
  assert.equal(lockStatus(undefined, T0).state, 'free');
  assert.equal(lockStatus(releasedLease(renewed), T0).state, 'free');
});

test('taking over keeps the resourceVersion, replaces the holder and counts the transition', () => {
  const first = { ...heldLease(undefined, alice, T0, 300) };
  first.metadata = { ...first.metadata, resourceVersion: '9', uid: 'u1' };
  const taken = heldLease(first, bob, T0 + 5_000, 60);
  assert.equal(taken.metadata.resourceVersion, '9');
  assert.equal(taken.metadata.uid, 'u1');
  assert.equal(taken.spec.holderIdentity, holderIdentity(bob));
  assert.equal(taken.spec.leaseTransitions, 1);
  assert.equal(taken.metadata.annotations![LOCK_ANNOTATIONS.token], 'tok-b');
  const released = releasedLease(taken);
  assert.equal(released.spec.holderIdentity, undefined);
  assert.equal(released.spec.leaseTransitions, 1);
  assert.equal(released.metadata.annotations![LOCK_ANNOTATIONS.token], undefined);
  // a free Lease taken again is a new holder but no transition from anyone
  assert.equal(heldLease(released, alice, T0 + 9_000, 300).spec.leaseTransitions, 1);
});

test('holderIdentity stays short for long commands; microTime has microseconds', () => {
  const long = holderIdentity({ ...alice, command: `kmaint node maintain n1 --exec '${'x'.repeat(500)}'` });
  assert.equal(long.length, 256);
  assert.ok(long.endsWith('...'));
  assert.equal(microTime(T0 + 123), '2026-03-10T12:00:00.123000Z');
});
