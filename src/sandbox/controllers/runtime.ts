// The machinery controllers share: subscribing to changes of a resource, and a work queue of object keys that
// deduplicates, runs reconciles outside the write that triggered them, and retries failures with backoff.

import { ApiError } from '../apiserver/status.ts';
import { storageKeyOf, type ResourceType } from '../apiserver/resources.ts';
import type { Watcher } from '../apiserver/store.ts';
import type { ClusterContext } from './context.ts';

/**
 * Calls `handler` for every change of a resource type. It runs inside the write that caused it,
 * so it must only look and enqueue, never write (see Watcher for the object it is handed).
 */
export function onChange(ctx: ClusterContext, type: ResourceType, handler: Watcher): () => void {
  return ctx.service.store.watch(storageKeyOf(type), handler);
}

/** "namespace/name" (or "name" for cluster-scoped objects), as client-go's MetaNamespaceKeyFunc. */
export function keyOf(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

export function splitKey(key: string): { namespace: string; name: string } {
  const at = key.indexOf('/');
  return at < 0 ? { namespace: '', name: key } : { namespace: key.slice(0, at), name: key.slice(at + 1) };
}

/** Pod keys grouped by the node they are bound to, kept current from pod changes. */
export class PodsByNode {
  private readonly byNode = new Map<string, Set<string>>();

  /** Records that pod `key` moved from node `before` to node `after` ('' for none). */
  move(key: string, before: string, after: string): void {
    if (before === after) return;
    if (before) {
      const set = this.byNode.get(before);
      set?.delete(key);
      if (set?.size === 0) this.byNode.delete(before);
    }
    if (after) {
      let set = this.byNode.get(after);
      if (!set) this.byNode.set(after, (set = new Set()));
      set.add(key);
    }
  }

  get(node: string): ReadonlySet<string> | undefined {
    return this.byNode.get(node);
  }
}

export interface WorkQueueOptions {
  /** simulated milliseconds before the first retry of a failed key; doubles up to maxBackoffMs */
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  /** keys reconciled per turn of the event loop before yielding */
  batch?: number;
  /** real milliseconds of reconciling per turn of the event loop before yielding (besides `batch`) */
  budgetMs?: number;
}

/**
 * Reconciles keys one at a time, each at most once per turn however often it was added. A reconcile that
 * throws is retried with exponential backoff (a Conflict soon, as client-go's controllers do).
 */
export class WorkQueue {
  private readonly pending = new Set<string>();
  private readonly failures = new Map<string, number>();
  private scheduled = false;
  private stopped = false;
  private readonly cancels = new Set<() => void>();

  constructor(
    private readonly ctx: ClusterContext,
    readonly name: string,
    private readonly reconcile: (key: string) => void | Promise<void>,
    private readonly options: WorkQueueOptions = {},
  ) {}

  add(key: string): void {
    if (this.stopped) return;
    this.pending.add(key);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => void this.drain());
    }
  }

  addAfter(key: string, simulatedMs: number): void {
    if (this.stopped) return;
    const cancel = this.ctx.clock.after(simulatedMs, () => {
      this.cancels.delete(cancel);
      this.add(key);
    });
    this.cancels.add(cancel);
  }

  stop(): void {
    this.stopped = true;
    this.pending.clear();
    for (const cancel of this.cancels) cancel();
    this.cancels.clear();
  }

  private async drain(): Promise<void> {
    const batch = this.options.batch ?? 500;
    const budgetMs = this.options.budgetMs;
    const started = budgetMs === undefined ? 0 : performance.now();
    let done = 0;
    // one live iterator: it also meets keys added meanwhile, and it does not walk again, for every key, over the
    // holes that taken keys leave at the front of the set (as taking the first key afresh each time did)
    for (const key of this.pending) {
      if (this.stopped) break;
      this.pending.delete(key);
      try {
        const result = this.reconcile(key);
        // a synchronous reconcile goes on at once, not a microtask later
        if (result) await result;
        this.failures.delete(key);
      } catch (error) {
        this.retry(key, error);
      }
      if ((++done >= batch || (budgetMs !== undefined && performance.now() - started >= budgetMs)) && this.pending.size > 0) {
        setImmediate(() => void this.drain());
        return;
      }
    }
    this.scheduled = false;
  }

  private retry(key: string, error: unknown): void {
    const attempts = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, attempts);
    const conflict = error instanceof ApiError && error.code === 409;
    const base = conflict ? 10 : (this.options.baseBackoffMs ?? 500);
    const delay = Math.min(base * 2 ** (attempts - 1), this.options.maxBackoffMs ?? 60_000);
    if (!conflict && attempts === 5) process.emitWarning(`sandbox controller ${this.name}: ${key} keeps failing: ${(error as Error).message}`);
    this.addAfter(key, delay);
  }
}
