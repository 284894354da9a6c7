// Paged lists (limit/continue), as kubectl does with limit=500, so that a list of 150,000 pods neither
// holds the server nor the client to one huge response.
//
// An expired continue token (410, after the server dropped the list's snapshot, ~5 minutes upstream):
//   - listPaged() FAILS with a KubeApiError (isGone) that says so: it has already handed items out, and
//     starting again would hand them out twice from a different snapshot;
//   - listAll() RESTARTS the whole list (up to maxRestarts times): nothing has left it yet, so the caller still
//     gets one consistent snapshot.

import type { KubeClient, Query } from './client.ts';
import { isGone, KubeApiError } from './errors.ts';

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  /** page size; 0 asks for everything at once. Default 500, as kubectl. */
  limit?: number;
  /** "" (default): a consistent, most recent read; "0": any cached state; or an exact version with resourceVersionMatch */
  resourceVersion?: string;
  resourceVersionMatch?: 'Exact' | 'NotOlderThan';
  signal?: AbortSignal;
  /** extra query parameters */
  query?: Query;
}

export interface ListMeta {
  resourceVersion?: string;
  continue?: string;
  remainingItemCount?: number;
}

interface ListResponse<T> {
  kind?: string;
  apiVersion?: string;
  metadata?: ListMeta;
  items?: T[] | null;
}

export const DEFAULT_PAGE_SIZE = 500;

/** The items of a list, page by page; resourceVersion and kind are known once the first page has arrived. */
export class PagedList<T> implements AsyncIterable<T> {
  /** the list's resourceVersion (of the first page: the snapshot a watch should start from) */
  resourceVersion?: string;
  /** e.g. "PodList" */
  kind?: string;
  apiVersion?: string;
  pagesFetched = 0;
  itemsYielded = 0;
  /** the server's estimate of the items not yet fetched */
  remainingItemCount?: number;

  constructor(
    private readonly client: KubeClient,
    private readonly path: string,
    private readonly options: ListOptions = {},
  ) {}

  async *pages(): AsyncGenerator<T[]> {
    const limit = this.options.limit ?? DEFAULT_PAGE_SIZE;
    let token: string | undefined;
    do {
      let page: ListResponse<T>;
      try {
        page = await this.client.request<ListResponse<T>>('GET', this.path, {
          signal: this.options.signal,
          query: {
            ...this.options.query,
            labelSelector: this.options.labelSelector || undefined,
            fieldSelector: this.options.fieldSelector || undefined,
            limit: limit > 0 ? limit : undefined,
            continue: token,
            // a continue token carries its own snapshot; the version may only come with the first page
            resourceVersion: token ? undefined : this.options.resourceVersion,
            resourceVersionMatch: token ? undefined : this.options.resourceVersionMatch,
          },
        });
      } catch (error) {
        if (token && isGone(error)) throw expiredListError(error as KubeApiError, this.path, this.itemsYielded);
        throw error;
      }
      if (this.pagesFetched === 0) {
        this.resourceVersion = page.metadata?.resourceVersion;
        this.kind = page.kind;
        this.apiVersion = page.apiVersion;
      }
      this.pagesFetched++;
      this.remainingItemCount = page.metadata?.remainingItemCount;
      token = page.metadata?.continue || undefined;
      const items = page.items ?? [];
      this.itemsYielded += items.length;
      yield items;
    } while (token);
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T> {
    for await (const items of this.pages()) yield* items;
  }
}

function expiredListError(error: KubeApiError, path: string, handedOut: number): KubeApiError {
  return new KubeApiError({
    code: error.code,
    reason: error.reason,
    message: `the paged list of ${path} expired after ${handedOut} items (the server no longer keeps its snapshot: ${error.message}); list again`,
    details: error.details,
    status: error.status,
    body: error.body,
    request: { method: error.method, path: error.path },
  });
}

export function listPaged<T>(client: KubeClient, path: string, options: ListOptions = {}): PagedList<T> {
  return new PagedList<T>(client, path, options);
}

export interface ListResult<T> {
  items: T[];
  resourceVersion: string;
  kind?: string;
  apiVersion?: string;
  /** how often an expired continue token made it start over */
  restarts: number;
}

/** Every item, as one consistent snapshot. */
export async function listAll<T>(client: KubeClient, path: string, options: ListOptions & { maxRestarts?: number } = {}): Promise<ListResult<T>> {
  const maxRestarts = options.maxRestarts ?? 2;
  for (let restarts = 0; ; restarts++) {
    const list = listPaged<T>(client, path, options);
    const items: T[] = [];
    try {
      for await (const page of list.pages()) items.push(...page);
      return { items, resourceVersion: list.resourceVersion ?? '', kind: list.kind, apiVersion: list.apiVersion, restarts };
    } catch (error) {
      if (!(isGone(error) && list.pagesFetched > 0 && restarts < maxRestarts)) throw error;
    }
  }
}
