import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../object.ts';
import { BudgetLedger, GRANT_TTL_MS } from './budget-ledger.ts';

function pdb(name: string, allowed: number, disruptedPods: Record<string, string> = {}, app = name): KubeObject {
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name, namespace: 'pool' },
    spec: { maxUnavailable: 1, selector: { matchLabels: { app } } },
    status: { disruptionsAllowed: allowed, disruptedPods },
  };
}

function pod(name: string, app: string, extra: Partial<KubeObject['metadata']> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'pool', labels: { app }, ...extra } };
}

test('a budget with room grants that many evictions, then makes the rest wait', () => {
  const ledger = new BudgetLedger();
  ledger.reset([pdb('web', 2)]);
  assert.deepEqual(ledger.request(pod('web-a', 'web'), 0), { verdict: 'granted', budget: 'pool/web' });
  assert.deepEqual(ledger.request(pod('web-b', 'web'), 0), { verdict: 'granted', budget: 'pool/web' });
  assert.deepEqual(ledger.request(pod('web-c', 'web'), 0), { verdict: 'wait', budget: 'pool/web', allowed: 0 });
  // asking again for a pod already granted costs nothing more
  assert.equal(ledger.request(pod('web-a', 'web'), 0).verdict, 'granted');
  assert.equal(ledger.available('pool/web', 0), 0);
});

test('grants are settled by the status that shows them, not counted twice', () => {
  const ledger = new BudgetLedger();
  ledger.reset([pdb('web', 1)]);
  assert.equal(ledger.request(pod('web-a', 'web'), 0).verdict, 'granted');
  // the eviction went through: the server decremented the budget and named the pod
  ledger.update(pdb('web', 0, { 'web-a': '2026-01-01T00:00:00Z' }));
  assert.equal(ledger.available('pool/web', 0), 0);
  // the replacement became Ready: the disruption controller gives the room back
  ledger.update(pdb('web', 1));
  assert.equal(ledger.available('pool/web', 0), 1);
  assert.equal(ledger.request(pod('web-b', 'web'), 0).verdict, 'granted');
});

test('a grant the status never shows expires, so a missed update cannot wedge a drain', () => {
  const ledger = new BudgetLedger();
  ledger.reset([pdb('web', 1)]);
  ledger.request(pod('web-a', 'web'), 0);
  assert.equal(ledger.available('pool/web', GRANT_TTL_MS), 0);
  assert.equal(ledger.available('pool/web', GRANT_TTL_MS + 1), 1);
});

test('released grants come back; a refusal closes the budget until its next status', () => {
  const ledger = new BudgetLedger();
  ledger.reset([pdb('web', 1)]);
  ledger.request(pod('web-a', 'web'), 0);
  ledger.release('pool/web', 'web-a');
  assert.equal(ledger.available('pool/web', 0), 1);
  ledger.refused('pool/web', 'web-a');
  assert.equal(ledger.request(pod('web-b', 'web'), 0).verdict, 'wait');
  ledger.update(pdb('web', 1));
  assert.equal(ledger.request(pod('web-b', 'web'), 0).verdict, 'granted');
});

test('pods with no budget, several budgets, or already being deleted are not held back', () => {
  const ledger = new BudgetLedger();
  ledger.reset([pdb('web', 0), pdb('web-too', 0, {}, 'web'), pdb('db', 0)]);
  assert.deepEqual(ledger.request(pod('cache-a', 'cache'), 0), { verdict: 'free' });
  assert.deepEqual(ledger.request(pod('web-a', 'web'), 0), { verdict: 'free' });
  assert.deepEqual(ledger.request(pod('db-a', 'db', { deletionTimestamp: '2026-01-01T00:00:00Z' }), 0), { verdict: 'free' });
  assert.equal(ledger.request(pod('db-b', 'db'), 0).verdict, 'wait');
});

test('budgets only cover pods in their own namespace; reset drops budgets that are gone', () => {
  const ledger = new BudgetLedger();
  ledger.reset([pdb('web', 0)]);
  assert.deepEqual(ledger.covering({ ...pod('web-a', 'web'), metadata: { name: 'web-a', namespace: 'other', labels: { app: 'web' } } }), []);
  assert.deepEqual(ledger.covering(pod('web-a', 'web')), ['pool/web']);
  ledger.reset([]);
  assert.deepEqual(ledger.covering(pod('web-a', 'web')), []);
});

test('urgency: the longer the chain of evictions a budget forces, the sooner its pods should go', () => {
  const ledger = new BudgetLedger();
  const withStatus = (name: string, expectedPods: number, desiredHealthy: number): KubeObject => {
    const budget = pdb(name, expectedPods - desiredHealthy);
    budget.status = { ...budget.status, expectedPods, desiredHealthy };
    return budget;
  };
  ledger.reset([withStatus('api', 4, 3), withStatus('web', 20, 15), withStatus('worker', 20, 10), withStatus('frozen', 3, 3)]);
  assert.equal(ledger.urgency(pod('api-a', 'api')), 4);
  assert.equal(ledger.urgency(pod('web-a', 'web')), 4);
  assert.equal(ledger.urgency(pod('worker-a', 'worker')), 2);
  // no disruption at all: as long a chain as there are pods (it waits anyway)
  assert.equal(ledger.urgency(pod('frozen-a', 'frozen')), 3);
  // nothing holds it up
  assert.equal(ledger.urgency(pod('free', 'none')), 0);
});
