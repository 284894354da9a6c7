// What the drain benchmark checks independently of the tool under test, from the sandbox's own change feed
// (in process, no API round trips): each Deployment's Ready, not-terminating pods (so a budget broken at any
// moment shows, whatever the disruption controller says), where they run, and how long replacements take from
// creation to Ready on the simulated clock.

import type { KubeObject } from '../../src/domain/object.ts';
import { isPodReady } from '../../src/domain/disruption.ts';
import { parseEntry } from '../../src/sandbox/apiserver/store.ts';
import type { Sandbox } from '../../src/sandbox/sandbox.ts';

interface PodState {
  app: string;
  node: string;
  ready: boolean;
  /** simulated ms when the pod was created (first seen) */
  createdAt: number;
  readyAt?: number;
}

export class ClusterWatch {
  private readonly pods = new Map<string, PodState>();
  private readonly readyByApp = new Map<string, number>();
  /** per app: the lowest (Ready pods - pods the budget must keep) seen since the last mark() */
  readonly minHeadroom = new Map<string, number>();
  /** creation -> Ready, simulated seconds, of pods created since the last mark() */
  readonly startups: number[] = [];
  private markedAt = Number.POSITIVE_INFINITY;
  private readonly waiters = new Set<() => void>();
  private readonly unsubscribe: () => void;

  constructor(
    private readonly sandbox: Sandbox,
    private readonly namespace: string,
    /** per app label: the Ready pods its budget must keep (replicas - allowed at once) */
    private readonly mustKeep: ReadonlyMap<string, number>,
  ) {
    this.unsubscribe = sandbox.service.store.watch('core/pods', (event) => {
      if (event.entry.namespace !== this.namespace) return;
      const key = event.entry.name;
      if (event.type === 'DELETED') this.set(key, undefined);
      else this.set(key, parseEntry(event.entry));
      for (const waiter of [...this.waiters]) waiter();
    });
    for (const [resource, , entry] of sandbox.service.store.allObjects()) {
      if (resource === 'core/pods' && entry.namespace === namespace) this.set(entry.name, parseEntry(entry));
    }
  }

  close(): void {
    this.unsubscribe();
  }

  private set(key: string, pod: KubeObject | undefined): void {
    const before = this.pods.get(key);
    if (before?.ready) this.readyByApp.set(before.app, (this.readyByApp.get(before.app) ?? 0) - 1);
    if (!pod) {
      this.pods.delete(key);
    } else {
      const now = this.sandbox.clock.nowMs();
      const ready = isPodReady(pod) && !pod.metadata.deletionTimestamp;
      const state: PodState = before ?? { app: pod.metadata.labels?.app ?? '', node: '', ready: false, createdAt: now };
      state.node = pod.spec?.nodeName ?? '';
      if (ready && state.readyAt === undefined) {
        state.readyAt = now;
        if (state.createdAt >= this.markedAt) this.startups.push((now - state.createdAt) / 1000);
      }
      state.ready = ready;
      this.pods.set(key, state);
      if (ready) this.readyByApp.set(state.app, (this.readyByApp.get(state.app) ?? 0) + 1);
    }
    const app = before?.app ?? pod?.metadata.labels?.app;
    const keep = app === undefined ? undefined : this.mustKeep.get(app);
    if (app !== undefined && keep !== undefined && this.markedAt !== Number.POSITIVE_INFINITY) {
      const headroom = (this.readyByApp.get(app) ?? 0) - keep;
      if (headroom < (this.minHeadroom.get(app) ?? Number.POSITIVE_INFINITY)) this.minHeadroom.set(app, headroom);
    }
  }

  /** From now on: record budget headroom and replacement start-up times. */
  mark(): void {
    this.markedAt = this.sandbox.clock.nowMs();
    this.minHeadroom.clear();
    this.startups.length = 0;
  }

  /** Ready (not terminating) pods on nodes `where` accepts, and pods of any state on nodes it does not. */
  count(where: (node: string) => boolean): { ready: number; elsewhere: number; total: number } {
    let ready = 0;
    let elsewhere = 0;
    for (const pod of this.pods.values()) {
      if (!where(pod.node)) elsewhere++;
      else if (pod.ready) ready++;
    }
    return { ready, elsewhere, total: this.pods.size };
  }

  /** Resolves when `test` holds (looked at after every pod change and every 200 ms); rejects after timeoutMs. */
  until(test: () => boolean, timeoutMs: number, what: () => string): Promise<void> {
    if (test()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (!test()) return;
        finish();
        resolve();
      };
      const finish = (): void => {
        this.waiters.delete(check);
        clearInterval(poll);
        clearTimeout(timer);
      };
      const poll = setInterval(check, 200);
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what()}`));
      }, timeoutMs);
      this.waiters.add(check);
    });
  }
}
