// A live copy of a collection: the objects a watch has seen, by namespace/name, and a way to wait until
// something about them becomes true. Built on the resuming watch, so relists after a 410 or a dropped stream
// just replace the copy.

import type { KubeObject } from '../domain/object.ts';
import { isAbortError } from './errors.ts';
import type { KubeClient } from './client.ts';
import { watch, type WatchOptions } from './watch.ts';

export function objectKey(object: KubeObject): string {
  return `${object.metadata.namespace ?? ''}/${object.metadata.name ?? ''}`;
}

export type InformerChange = { type: 'synced' } | { type: 'upsert' | 'delete'; object: KubeObject };

export class Informer {
  readonly objects = new Map<string, KubeObject>();
  private readonly listeners = new Set<(change: InformerChange) => void>();
  private readonly stop = new AbortController();
  private syncedOnce!: Promise<void>;
  private failure?: unknown;

  constructor(
    private readonly client: KubeClient,
    private readonly path: string,
    private readonly options: Pick<WatchOptions, 'labelSelector' | 'fieldSelector' | 'onRetry' | 'timeoutSeconds' | 'pageSize'> = {},
  ) {}

  /** Starts watching; resolves once the first list is in. */
  start(signal?: AbortSignal): Promise<void> {
    signal?.addEventListener('abort', () => this.close(), { once: true });
    this.syncedOnce = new Promise((resolve, reject) => {
      const onFirst = (change: InformerChange): void => {
        if (change.type !== 'synced') return;
        this.listeners.delete(onFirst);
        resolve();
      };
      this.listeners.add(onFirst);
      void this.run().catch((error) => {
        this.failure = error;
        this.listeners.delete(onFirst);
        reject(error);
        this.notify({ type: 'synced' });
      });
    });
    return this.syncedOnce;
  }

  close(): void {
    this.stop.abort();
  }

  /** Called on every change; returns the unsubscribe function. */
  subscribe(listener: (change: InformerChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Resolves when `check` is true, looked at now and after every change; `timeoutMs` resolves it with false.
   * Rejects when the signal aborts or the watch fails for good.
   */
  waitFor(check: () => boolean, options: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<boolean> {
    if (check()) return Promise.resolve(true);
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const finish = (result: boolean | Error): void => {
        unsubscribe();
        if (timer) clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        if (result instanceof Error) reject(result);
        else resolve(result);
      };
      const onAbort = (): void => finish(options.signal?.reason instanceof Error ? options.signal.reason : new Error('aborted'));
      const unsubscribe = this.subscribe(() => {
        if (this.failure) finish(this.failure instanceof Error ? this.failure : new Error(String(this.failure)));
        else if (check()) finish(true);
      });
      if (options.timeoutMs !== undefined && Number.isFinite(options.timeoutMs)) timer = setTimeout(() => finish(false), Math.max(0, options.timeoutMs));
      if (options.signal?.aborted) onAbort();
      else options.signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  private notify(change: InformerChange): void {
    for (const listener of [...this.listeners]) listener(change);
  }

  private async run(): Promise<void> {
    try {
      for await (const event of watch(this.client, this.path, { ...this.options, signal: this.stop.signal })) {
        if (event.type === 'RELISTED') {
          this.objects.clear();
          for (const item of event.items) this.objects.set(objectKey(item), item);
          this.notify({ type: 'synced' });
        } else if (event.type === 'DELETED') {
          this.objects.delete(objectKey(event.object));
          this.notify({ type: 'delete', object: event.object });
        } else if (event.type !== 'BOOKMARK') {
          this.objects.set(objectKey(event.object), event.object);
          this.notify({ type: 'upsert', object: event.object });
        }
      }
    } catch (error) {
      if (!isAbortError(error)) throw error;
    }
  }
}
