// Watch streams: newline-delimited JSON events over a chunked response, resumable from a resourceVersion,
// with bookmarks, the watch-list initial events, and Table-rendered events for `kubectl get -w`.

import type { ServerResponse } from 'node:http';
import { apiVersionOf } from '../../domain/object.ts';
import type { EntryFilter } from './objects.ts';
import { storageKeyOf, type ResourceType } from './resources.ts';
import { ApiError, badRequest, gone } from './status.ts';
import { parseEntry, TooOldError, type Entry, type Store, type StoreEvent } from './store.ts';
import { renderTable } from './tables.ts';
import { TABLE_CONTENT_TYPE } from './http.ts';

export interface WatchRequest {
  type: ResourceType;
  namespace: string;
  filter?: EntryFilter;
  query: URLSearchParams;
  table: boolean;
  now: () => Date;
  /** seconds between bookmarks when the client allows them */
  bookmarkInterval?: number;
  /** an injected fault (--faults): cut the connection abruptly after this many milliseconds */
  dropAfterMs?: number;
}

/** Slow watchers are dropped, as upstream does, rather than buffering without bound. */
const MAX_BUFFERED_BYTES = 64 * 1024 * 1024;

const LINE_END = Buffer.from('}\n');

function jsonLine(kind: string, entry: Entry): Buffer {
  return Buffer.concat([Buffer.from(`{"type":"${kind}","object":`), entry.json, LINE_END]);
}

/**
 * Watchers are told of an event one after another, synchronously; the last line encoded is kept so that
 * all of them send the same bytes rather than each encoding the event again.
 */
let lastLine: { event: StoreEvent; kind: string; line: Buffer } | undefined;

function sharedJsonLine(event: StoreEvent, kind: string): Buffer {
  if (lastLine?.event !== event || lastLine.kind !== kind) lastLine = { event, kind, line: jsonLine(kind, event.entry) };
  return lastLine.line;
}

export function serveWatch(store: Store, res: ServerResponse, request: WatchRequest): void {
  const { type, query } = request;
  const resource = storageKeyOf(type);
  const namespace = type.namespaced ? request.namespace : '';
  const rvParam = query.get('resourceVersion') ?? '';
  const sendInitial = query.get('sendInitialEvents') === 'true';
  const bookmarks = query.get('allowWatchBookmarks') === 'true';
  const timeoutSeconds = query.has('timeoutSeconds') ? Number(query.get('timeoutSeconds')) : undefined;
  if (rvParam !== '' && !/^\d+$/.test(rvParam)) throw badRequest(`resourceVersion: Invalid value: "${rvParam}": must be a non-negative integer`);
  if (sendInitial && query.get('resourceVersionMatch') !== 'NotOlderThan') {
    throw new ApiError(422, 'Invalid', 'resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan');
  }

  const matches = (entry: Entry | undefined): boolean =>
    !!entry && (!namespace || entry.namespace === namespace) && (!request.filter || request.filter(entry));

  let replay: StoreEvent[] = [];
  let initial: Entry[] = [];
  const fromState = sendInitial || rvParam === '' || rvParam === '0';
  if (fromState) {
    initial = store.list(resource, { namespace: namespace || undefined, filter: request.filter }).entries;
  } else {
    try {
      replay = store.eventsSince(resource, Number(rvParam));
    } catch (error) {
      if (!(error instanceof TooOldError)) throw error;
      res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
      res.end(JSON.stringify({ type: 'ERROR', object: gone(error.message).toStatus() }) + '\n');
      return;
    }
  }
  const startRv = store.resourceVersion;

  res.writeHead(200, { 'Content-Type': request.table ? TABLE_CONTENT_TYPE : 'application/json', 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache, private' });
  res.flushHeaders();
  let headerSent = false;
  let closed = false;

  const encode = (kind: string, entry: Entry, event?: StoreEvent): Buffer | string => {
    if (!request.table) return event ? sharedJsonLine(event, kind) : jsonLine(kind, entry);
    const object = parseEntry(entry);
    const table = renderTable(type, [object], request.now(), { noHeaders: headerSent });
    headerSent = true;
    (table.metadata as Record<string, unknown>).resourceVersion = String(entry.rv);
    return JSON.stringify({ type: kind, object: table }) + '\n';
  };

  const bookmark = (rv: number, initialEventsEnd = false): string =>
    JSON.stringify({
      type: 'BOOKMARK',
      object: {
        kind: type.kind,
        apiVersion: apiVersionOf(type.group, type.version),
        metadata: { resourceVersion: String(rv), creationTimestamp: null, ...(initialEventsEnd ? { annotations: { 'k8s.io/initial-events-end': 'true' } } : {}) },
      },
    }) + '\n';

  const write = (chunk: Buffer | string): void => {
    if (closed) return;
    res.write(chunk);
    if (res.writableLength > MAX_BUFFERED_BYTES) finish();
  };

  const deliver = (event: StoreEvent): void => {
    const now = event.type !== 'DELETED' && matches(event.entry);
    const before = matches(event.previous);
    if (event.type === 'DELETED') {
      if (before) write(encode('DELETED', event.entry, event));
    } else if (now) {
      write(encode(before ? 'MODIFIED' : 'ADDED', event.entry, event));
    } else if (before) {
      write(encode('DELETED', event.entry, event)); // left the selection
    }
  };

  const unsubscribe = store.watch(resource, (event) => {
    if (event.rv > startRv) deliver(event);
  });
  const timers: NodeJS.Timeout[] = [];
  const finish = (): void => {
    if (closed) return;
    closed = true;
    unsubscribe();
    for (const timer of timers) clearTimeout(timer);
    res.end();
  };
  res.on('close', finish);
  if (res.destroyed || res.socket === null || res.socket.destroyed) {
    // the client went away before the watch began (a killed process): 'close' has fired already
    finish();
    return;
  }

  if (fromState) {
    for (const entry of initial) write(encode('ADDED', entry));
    if (sendInitial) write(bookmark(startRv, true));
  } else {
    for (const event of replay) if (event.rv <= startRv) deliver(event);
  }
  if (bookmarks) {
    const interval = setInterval(() => write(bookmark(store.resourceVersion)), (request.bookmarkInterval ?? 10) * 1000);
    timers.push(interval);
  }
  if (timeoutSeconds !== undefined && timeoutSeconds > 0) timers.push(setTimeout(finish, timeoutSeconds * 1000));
  if (request.dropAfterMs !== undefined) timers.push(setTimeout(() => res.destroy(), request.dropAfterMs));
}
