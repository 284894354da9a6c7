// The PodDisruptionBudgets a drain must respect, watched live and spent through one ledger shared by every
// node the drain works on: an eviction is asked for only when its budget has room, and a pod waiting for
// room goes the moment a budget's status changes (a replacement became Ready) rather than after a fixed
// retry delay.

import type { KubeClient } from '../../kube/client.ts';
import { Informer } from '../../kube/informer.ts';
import type { KubeObject } from '../../domain/object.ts';
import { BudgetLedger, budgetRef, type BudgetAnswer } from '../../domain/drain/budget-ledger.ts';

export type GateAnswer = BudgetAnswer | { verdict: 'expired'; budget: string };

export class BudgetGate {
  private readonly ledger = new BudgetLedger();
  private readonly informer: Informer;

  constructor(client: KubeClient) {
    this.informer = new Informer(client, '/apis/policy/v1/poddisruptionbudgets');
  }

  async start(signal?: AbortSignal): Promise<void> {
    // the ledger hears every change before any waiter looks at it
    this.informer.subscribe((change) => {
      if (change.type === 'synced') this.ledger.reset([...this.informer.objects.values()]);
      else if (change.type === 'upsert') this.ledger.update(change.object);
      else this.ledger.remove(budgetRef(change.object));
    });
    await this.informer.start(signal);
  }

  close(): void {
    this.informer.close();
  }

  /**
   * Room for this pod's eviction: at once when its budget has some, else when the budget's status gives
   * some; `expired` when `maxWaitMs` passes first (the caller asks the server anyway, as kubectl would).
   * `onWait` is told once when the pod has to wait.
   */
  async acquire(pod: KubeObject, options: { signal?: AbortSignal; maxWaitMs: number; onWait?: (budget: string) => void }): Promise<GateAnswer> {
    const until = Date.now() + options.maxWaitMs;
    let told = false;
    for (;;) {
      const answer = this.ledger.request(pod, Date.now());
      if (answer.verdict !== 'wait') return answer;
      if (!told) options.onWait?.(answer.budget);
      told = true;
      const remaining = until - Date.now();
      if (remaining <= 0) return { verdict: 'expired', budget: answer.budget };
      await this.informer.waitFor(() => this.ledger.available(answer.budget, Date.now()) > 0, { signal: options.signal, timeoutMs: remaining });
    }
  }

  release(budget: string, podName: string): void {
    this.ledger.release(budget, podName);
  }

  refused(budget: string | undefined, podName: string): void {
    if (budget) this.ledger.refused(budget, podName);
  }

  covering(pod: KubeObject): string[] {
    return this.ledger.covering(pod);
  }

  /** The longer the chain of evictions the pod's budget forces, the sooner it should go (0: no budget). */
  urgency(pod: KubeObject): number {
    return this.ledger.urgency(pod);
  }
}
