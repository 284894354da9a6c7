// Events for every notable change, as core/v1 Events the way upstream's recorders write them: a repeat of the
// same reason and message for the same object bumps count and lastTimestamp instead of adding an event.
// Old events are removed (upstream keeps them for an hour), which also bounds memory in large scenarios.

import type { KubeObject } from '../../domain/object.ts';
import type { ObjectService } from '../apiserver/objects.ts';
import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.ts';

export interface EventSource {
  component: string;
  host?: string;
}

const EVENT_TTL_MS = 60 * 60 * 1000;
/** storage key of core/v1 events */
const EVENTS = 'core/events';

export class EventRecorder {
  private readonly recent = new Map<string, { name: string; namespace: string; count: number; at: number }>();
  /** keys in creation order; `head` is the oldest still kept (a queue without shifting the array) */
  private order: string[] = [];
  private head = 0;
  private sequence = 0;

  constructor(
    private readonly service: ObjectService,
    private readonly clock: Clock,
    private readonly maxEvents = 20_000,
  ) {}

  /** Records `reason` for `object`; `type` is Normal or Warning. Never throws: events are best effort, as upstream. */
  record(object: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string, source: EventSource, fieldPath?: string): void {
    const meta = object.metadata;
    const namespace = meta.namespace || 'default';
    const involved = {
      kind: object.kind,
      namespace: meta.namespace,
      name: meta.name,
      uid: meta.uid,
      apiVersion: object.apiVersion,
      resourceVersion: meta.resourceVersion,
      ...(fieldPath ? { fieldPath } : {}),
    };
    const key = `${meta.uid}|${reason}|${message}|${source.component}`;
    const now = this.clock.nowMs();
    const time = new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const store = this.service.store;
    try {
      const seen = this.recent.get(key);
      if (seen && now - seen.at < EVENT_TTL_MS) {
        const existing = store.getObject(EVENTS, seen.namespace, seen.name);
        if (existing) {
          seen.count++;
          seen.at = now;
          store.put(EVENTS, { ...existing, count: seen.count, lastTimestamp: time });
          return;
        }
      }
      // upstream names events <object>.<unix nanoseconds in hex>; the sequence keeps names unique within a millisecond
      const name = `${meta.name}.${(BigInt(Math.floor(now)) * 1_000_000n + BigInt(this.sequence++ % 1_000_000)).toString(16)}`;
      // events are written straight to the store: nothing in them needs the API's validation or defaults, and a
      // large scenario records several for each of its 150,000 pods
      store.put(EVENTS, {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name, namespace, uid: randomUUID(), creationTimestamp: time },
        involvedObject: involved,
        reason,
        message,
        source,
        firstTimestamp: time,
        lastTimestamp: time,
        count: 1,
        type,
        eventTime: null,
        reportingComponent: source.component,
        reportingInstance: source.host ?? '',
      });
      this.recent.set(key, { name, namespace, count: 1, at: now });
      this.order.push(key);
      this.trim(now);
    } catch {
      // a lost event must never fail the change it describes
    }
  }

  private trim(now: number): void {
    while (this.head < this.order.length) {
      const key = this.order[this.head];
      const oldest = this.recent.get(key);
      if (oldest && this.order.length - this.head <= this.maxEvents && now - oldest.at < EVENT_TTL_MS) break;
      this.head++;
      if (!oldest) continue;
      this.recent.delete(key);
      this.service.store.remove(EVENTS, oldest.namespace, oldest.name);
    }
    if (this.head > 4096 && this.head * 2 > this.order.length) {
      this.order = this.order.slice(this.head);
      this.head = 0;
    }
  }
}
