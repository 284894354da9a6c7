import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../object.ts';
import { backInService, serviceProblems } from './back-in-service.ts';

const SINCE = Date.parse('2026-03-10T12:00:00Z');

function node(ready: 'True' | 'False' | 'Unknown', options: { bootID?: string; unschedulable?: boolean } = {}): KubeObject {
  return {
    metadata: { name: 'n1' },
    spec: options.unschedulable ? { unschedulable: true } : {},
    status: {
      conditions: [{ type: 'Ready', status: ready, reason: ready === 'True' ? 'KubeletReady' : 'KubeletNotReady', message: ready === 'True' ? 'kubelet is posting ready status' : 'container runtime is down' }],
      nodeInfo: { bootID: options.bootID ?? 'boot-1' },
    },
  };
}

const lease = (renewTime: string): KubeObject => ({ metadata: { name: 'n1', namespace: 'kube-node-lease' }, spec: { renewTime } });

test('NotReady or Unknown: waiting for Ready, with the reason the kubelet gave', () => {
  const verdict = backInService({ node: node('False'), lease: lease('2026-03-10T12:00:30.000000Z'), sinceMs: SINCE });
  assert.deepEqual(verdict, { back: false, waitingFor: 'Ready: the node is NotReady (KubeletNotReady: container runtime is down)' });
  assert.match((backInService({ node: node('Unknown'), sinceMs: SINCE }) as { waitingFor: string }).waitingFor, /the node is Unknown/);
});

test('Ready with a Lease renewed before the command finished is not back: that Ready may be stale', () => {
  const verdict = backInService({ node: node('True'), lease: lease('2026-03-10T11:59:55.000000Z'), sinceMs: SINCE });
  assert.deepEqual(verdict, { back: false, waitingFor: 'a heartbeat after 2026-03-10T12:00:00Z: its Lease was last renewed at 2026-03-10T11:59:55Z' });
  assert.match((backInService({ node: node('True'), sinceMs: SINCE }) as { waitingFor: string }).waitingFor, /no Lease/);
  assert.equal(backInService({ node: node('True'), lease: lease('2026-03-10T12:00:00.000000Z'), sinceMs: SINCE }).back, false, 'the same instant is not after');
});

test('Ready with a later heartbeat is back; a new boot id is reported, and required with expectReboot', () => {
  const renewed = lease('2026-03-10T12:00:04.500000Z');
  assert.deepEqual(backInService({ node: node('True'), lease: renewed, sinceMs: SINCE, bootIdBefore: 'boot-1' }), { back: true, leaseRenewedAtMs: SINCE + 4500, rebooted: false });
  const same = backInService({ node: node('True'), lease: renewed, sinceMs: SINCE, bootIdBefore: 'boot-1', expectReboot: true });
  assert.deepEqual(same, { back: false, waitingFor: 'a reboot: the boot id is still boot-1 (--expect-reboot)' });
  assert.deepEqual(backInService({ node: node('True', { bootID: 'boot-2' }), lease: renewed, sinceMs: SINCE, bootIdBefore: 'boot-1', expectReboot: true }), { back: true, leaseRenewedAtMs: SINCE + 4500, rebooted: true });
});

test('serviceProblems: Ready and schedulable is fine; otherwise each problem is named', () => {
  assert.deepEqual(serviceProblems(node('True')), []);
  assert.deepEqual(serviceProblems(node('False', { unschedulable: true })), ['not Ready (Ready is False: KubeletNotReady)', 'still cordoned (spec.unschedulable is true)']);
});
