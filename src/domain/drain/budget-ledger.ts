// The disruption budgets a drain spends, kept as one account across every node it drains: how many more
// evictions each PodDisruptionBudget allows right now, counting the evictions this drain has been granted
// but the budget's status does not show yet. The API server enforces budgets anyway (429); the ledger lets a
// drain ask only when an eviction can succeed, and wake up as soon as a budget has room again, instead of
// sending evictions that are refused and sleeping a fixed 5 s between tries.
//
// Pure bookkeeping: the caller feeds it the budgets it watches and the clock.

import type { KubeObject } from '../object.ts';
import { budgetSelector } from '../disruption.ts';
import { matchesLabels, type LabelSelector } from '../selectors.ts';

/** A grant the budget's status does not reflect after this long is taken as reflected (a missed update). */
export const GRANT_TTL_MS = 15_000;

interface Budget {
  ref: string;
  namespace: string;
  selector: LabelSelector;
  /** status.disruptionsAllowed as last seen; 0 after the server refused an eviction, until the next status */
  allowed: number;
  /** pods named in status.disruptedPods: evictions the server has already counted */
  disrupted: Set<string>;
  /** status.expectedPods and status.desiredHealthy: how long a chain of evictions the budget can force */
  expected: number;
  desired: number;
}

export type BudgetAnswer =
  /** no budget covers the pod (or several do, which the server rejects itself): evict now */
  | { verdict: 'free' }
  /** one budget covers it and has room: the eviction may go; the ledger counts it */
  | { verdict: 'granted'; budget: string }
  /** the budget has no room: wait for its next status */
  | { verdict: 'wait'; budget: string; allowed: number };

export function budgetRef(pdb: KubeObject): string {
  return `${pdb.metadata.namespace ?? ''}/${pdb.metadata.name ?? ''}`;
}

export class BudgetLedger {
  private readonly budgets = new Map<string, Budget>();
  /** per budget: pod name -> when the eviction was granted */
  private readonly grants = new Map<string, Map<string, number>>();

  /** Replaces every budget (a fresh list). */
  reset(pdbs: readonly KubeObject[]): void {
    const refs = new Set(pdbs.map(budgetRef));
    for (const ref of [...this.budgets.keys()]) if (!refs.has(ref)) this.remove(ref);
    for (const pdb of pdbs) this.update(pdb);
  }

  update(pdb: KubeObject): void {
    const ref = budgetRef(pdb);
    const disrupted = new Set(Object.keys(pdb.status?.disruptedPods ?? {}));
    this.budgets.set(ref, {
      ref,
      namespace: pdb.metadata.namespace ?? '',
      selector: budgetSelector(pdb),
      allowed: Number(pdb.status?.disruptionsAllowed ?? 0),
      disrupted,
      expected: Number(pdb.status?.expectedPods ?? 0),
      desired: Number(pdb.status?.desiredHealthy ?? 0),
    });
    const grants = this.grants.get(ref);
    if (grants) for (const pod of disrupted) grants.delete(pod);
  }

  remove(ref: string): void {
    this.budgets.delete(ref);
    this.grants.delete(ref);
  }

  /** The budgets whose selector matches the pod, in its namespace. */
  covering(pod: KubeObject): string[] {
    const namespace = pod.metadata.namespace ?? '';
    const refs: string[] = [];
    for (const budget of this.budgets.values()) {
      if (budget.namespace === namespace && matchesLabels(budget.selector, pod.metadata.labels)) refs.push(budget.ref);
    }
    return refs;
  }

  /**
   * How urgent the pod's eviction is: the most rounds of evictions its budget can force (its expected pods
   * over the disruptions it allows when all are healthy; each round waits for replacements to become Ready),
   * so that the longest chains start first. 0 when no single budget covers the pod: nothing holds it up.
   */
  urgency(pod: KubeObject): number {
    const covering = this.covering(pod);
    if (covering.length !== 1) return 0;
    const budget = this.budgets.get(covering[0]) as Budget;
    const atOnce = budget.expected - budget.desired;
    return atOnce > 0 ? Math.ceil(budget.expected / atOnce) : Math.max(1, budget.expected);
  }

  /** Evictions the budget allows now, net of this drain's grants the status does not show yet. */
  available(ref: string, nowMs: number): number {
    const budget = this.budgets.get(ref);
    if (!budget) return 0;
    const grants = this.grants.get(ref);
    let pending = 0;
    if (grants) {
      for (const [pod, at] of grants) {
        if (nowMs - at > GRANT_TTL_MS) grants.delete(pod);
        else pending++;
      }
    }
    return budget.allowed - pending;
  }

  /**
   * May this pod be evicted now? A pod already disrupted (its eviction went through before) or being deleted
   * costs nothing more.
   */
  request(pod: KubeObject, nowMs: number): BudgetAnswer {
    const covering = this.covering(pod);
    if (covering.length !== 1 || pod.metadata.deletionTimestamp) return { verdict: 'free' };
    const ref = covering[0];
    const name = pod.metadata.name ?? '';
    const budget = this.budgets.get(ref) as Budget;
    if (budget.disrupted.has(name) || this.grants.get(ref)?.has(name)) return { verdict: 'granted', budget: ref };
    const allowed = this.available(ref, nowMs);
    if (allowed <= 0) return { verdict: 'wait', budget: ref, allowed };
    let grants = this.grants.get(ref);
    if (!grants) this.grants.set(ref, (grants = new Map()));
    grants.set(name, nowMs);
    return { verdict: 'granted', budget: ref };
  }

  /** The eviction did not happen (an error other than the budget): the grant goes back. */
  release(ref: string, podName: string): void {
    this.grants.get(ref)?.delete(podName);
  }

  /** The server refused an eviction for this budget (429): its status is behind; no room until it changes. */
  refused(ref: string, podName: string): void {
    this.release(ref, podName);
    const budget = this.budgets.get(ref);
    if (budget) budget.allowed = 0;
  }
}
