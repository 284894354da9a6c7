// A list+watch loop that does not stop: it resumes from the last resourceVersion it saw (events and
// BOOKMARKs), lists again when that version has expired (HTTP 410 or an in-stream ERROR with code 410), and
// reconnects after errors and closed streams with exponential backoff and jitter, until its AbortSignal fires.
//
// Callers get typed events; RELISTED carries the complete current state (the initial list, or the relist
// after a 410): replace what you knew with it, since events between the old and the new state are lost.

import type { KubeObject } from '../domain/object.ts';
import { sleep, type KubeClient, type Query } from './client.ts';
import { isAbortError, isGone, KubeApiError, type Status } from './errors.ts';
import { listAll } from './list.ts';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK';

export type WatchEvent<T> =
  | { type: 'ADDED' | 'MODIFIED' | 'DELETED'; object: T }
  /** only with emitBookmarks */
  | { type: 'BOOKMARK'; object: T }
  /** the full state: after the initial list and after every relist */
  | { type: 'RELISTED'; items: T[]; resourceVersion: string };

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  factor: number;
  /** each delay is stretched by up to this fraction at random (client-go's jitter) */
  jitter: number;
}

export interface RetryInfo {
  error: unknown;
  /** consecutive failures so far */
  attempt: number;
  delayMs: number;
}

export interface WatchOptions {
  labelSelector?: string;
  fieldSelector?: string;
  /** start watching after this version without listing first; omitted: list first and emit RELISTED */
  resourceVersion?: string;
  /**
   * how long the server keeps one connection open before it closes it and the watch reconnects;
   * default: a random 5 to 10 minutes, as client-go's reflector
   */
  timeoutSeconds?: number;
  /** ends the watch: the iterator finishes without an error */
  signal?: AbortSignal;
  emitBookmarks?: boolean;
  backoff?: Partial<BackoffOptions>;
  /** give up (throw the last error) after this many consecutive failures; default never */
  maxFailures?: number;
  /** page size of the lists */
  pageSize?: number;
  /** told about each failure before the watch waits and tries again (logs, progress) */
  onRetry?: (info: RetryInfo) => void;
  /** how long past timeoutSeconds a stream the server has not closed is kept before it is dropped (default 30) */
  stuckGraceSeconds?: number;
  /** for tests */
  random?: () => number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 800, maxMs: 30_000, factor: 2, jitter: 0.5 };

/** A stream that ran this long counts as healthy: the next failure starts the backoff over. */
const HEALTHY_STREAM_MS = 1_000;
const STUCK_STREAM_GRACE_SECONDS = 30;

export function backoffDelay(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  const base = Math.min(options.maxMs, options.initialMs * options.factor ** Math.max(0, attempt - 1));
  return Math.round(Math.min(options.maxMs, base * (1 + options.jitter * random())));
}

/** An error that no retry will cure (the resource does not exist, we may not watch it, the request is wrong). */
function isPermanent(error: unknown): boolean {
  if (!(error instanceof KubeApiError)) return false;
  return error.code >= 400 && error.code < 500 && error.code !== 410 && error.code !== 429 && error.code !== 408;
}

class StreamEnded extends Error {}

export class Watch<T extends KubeObject = KubeObject> implements AsyncIterable<WatchEvent<T>> {
  /** the last resourceVersion seen: where a reconnect resumes */
  resourceVersion?: string;
  relists = 0;
  /** connections opened */
  connections = 0;
  failures = 0;
  private readonly backoff: BackoffOptions;

  constructor(
    private readonly client: KubeClient,
    /** the collection's path: /api/v1/namespaces/default/pods, /apis/apps/v1/deployments ... */
    private readonly path: string,
    private readonly options: WatchOptions = {},
  ) {
    this.backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
    this.resourceVersion = options.resourceVersion || undefined;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<WatchEvent<T>> {
    const signal = this.options.signal;
    let consecutive = 0;
    let goneStreak = 0;
    let needList = this.resourceVersion === undefined;
    while (!signal?.aborted) {
      try {
        if (needList) {
          const list = await listAll<T>(this.client, this.path, {
            labelSelector: this.options.labelSelector,
            fieldSelector: this.options.fieldSelector,
            limit: this.options.pageSize,
            signal,
          });
          this.resourceVersion = list.resourceVersion;
          this.relists++;
          needList = false;
          consecutive = 0;
          yield { type: 'RELISTED', items: list.items, resourceVersion: list.resourceVersion };
          continue;
        }
        const started = Date.now();
        let delivered = 0;
        for await (const event of this.connect()) {
          delivered++;
          consecutive = 0;
          goneStreak = 0;
          if (event.type !== 'BOOKMARK' || this.options.emitBookmarks) yield event;
        }
        if (delivered > 0 || Date.now() - started >= HEALTHY_STREAM_MS) {
          consecutive = 0;
          continue; // the server closed a healthy stream (timeoutSeconds): resume at once
        }
        throw new StreamEnded(`the watch of ${this.path} ended at once without events`);
      } catch (error) {
        if (signal?.aborted || isAbortError(error)) return;
        if (isGone(error) && !needList) {
          // our resourceVersion is older than the server's event window: only a new list can catch up
          needList = true;
          // relist at once the first time; a server that keeps answering 410 gets the backoff below
          if (goneStreak++ === 0) continue;
        }
        if (isPermanent(error)) throw error;
        consecutive++;
        this.failures++;
        if (this.options.maxFailures !== undefined && consecutive >= this.options.maxFailures) throw error;
        const retryAfter = error instanceof KubeApiError && error.retryAfterSeconds !== undefined ? error.retryAfterSeconds * 1000 : 0;
        const delayMs = Math.max(retryAfter, backoffDelay(consecutive, this.backoff, this.options.random));
        this.options.onRetry?.({ error, attempt: consecutive, delayMs });
        try {
          await sleep(delayMs, signal);
        } catch {
          return;
        }
      }
    }
  }

  /** One watch connection: events until the server closes it. Throws KubeApiError for an in-stream ERROR. */
  private async *connect(): AsyncGenerator<WatchEvent<T>> {
    const timeoutSeconds = this.options.timeoutSeconds ?? Math.round(300 + (this.options.random ?? Math.random)() * 300);
    const query: Query = {
      watch: 'true',
      resourceVersion: this.resourceVersion,
      allowWatchBookmarks: 'true',
      timeoutSeconds,
      labelSelector: this.options.labelSelector || undefined,
      fieldSelector: this.options.fieldSelector || undefined,
    };
    const stream = await this.client.stream('GET', this.path, { query, signal: this.options.signal });
    this.connections++;
    // the server ends the stream after timeoutSeconds; one that outlives that by far is stuck (a silent network
    // partition): drop it, and the loop resumes from the last resourceVersion
    let dropped = false;
    const stuck = setTimeout(() => {
      dropped = true;
      stream.close();
    }, (timeoutSeconds + (this.options.stuckGraceSeconds ?? STUCK_STREAM_GRACE_SECONDS)) * 1000);
    try {
      for await (const line of stream.lines()) {
        if (line.trim() === '') continue;
        let event: { type?: string; object?: unknown };
        try {
          event = JSON.parse(line);
        } catch (error) {
          throw new Error(`the watch of ${this.path} sent an undecodable event: ${(error as Error).message}`, { cause: error });
        }
        if (event.type === 'ERROR') throw KubeApiError.fromStatus((event.object ?? {}) as Status, { request: { method: 'GET', path: this.path } });
        const object = event.object as T | undefined;
        const rv = object?.metadata?.resourceVersion;
        if (!object || !rv || !['ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK'].includes(event.type ?? '')) {
          throw new Error(`the watch of ${this.path} sent a malformed event: ${line.slice(0, 200)}`);
        }
        this.resourceVersion = rv;
        yield { type: event.type as 'ADDED', object };
      }
    } catch (error) {
      if (dropped) return;
      throw error;
    } finally {
      clearTimeout(stuck);
      stream.close();
    }
  }
}

export function watch<T extends KubeObject = KubeObject>(client: KubeClient, path: string, options: WatchOptions = {}): Watch<T> {
  return new Watch<T>(client, path, options);
}
