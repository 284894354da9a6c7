// The cluster-wide maintenance lock as data: a coordination.k8s.io/v1 Lease in kube-system whose holder is the
// kmaint run doing a maintenance (user@host, pid, command). Pure functions read its state at a given time and
// build the objects that take, renew and release it; the API calls (with resourceVersion, so two acquirers
// cannot both win) are in ops/node/maintenance-lock.ts.

import type { KubeObject } from '../object.ts';

export const LOCK_NAMESPACE = 'kube-system';
export const LOCK_NAME = 'kmaint-maintenance';
/** 5 minutes: long enough to ride out a slow API server, short enough that a crashed run frees it soon */
export const DEFAULT_LOCK_SECONDS = 300;

const PREFIX = 'maintenance.kmaint.io/';
export const LOCK_ANNOTATIONS = {
  /** a random value per run: tells this run's hold from another run of the same user, host and pid */
  token: `${PREFIX}token`,
  user: `${PREFIX}user`,
  host: `${PREFIX}host`,
  pid: `${PREFIX}pid`,
  command: `${PREFIX}command`,
} as const;

/** holderIdentity carries the command too, so `kubectl get lease -o yaml` says what is running; kept short */
const MAX_IDENTITY = 256;

export interface LockHolder {
  user: string;
  host: string;
  pid: number;
  /** the kmaint command line, e.g. "kmaint node rollout -l pool=a --exec ..." */
  command: string;
  token: string;
}

export interface HeldLock {
  state: 'held' | 'expired';
  holderIdentity: string;
  token?: string;
  acquiredAtMs?: number;
  renewedAtMs?: number;
  expiresAtMs?: number;
  durationSeconds: number;
}

export type LockStatus = { state: 'free' } | HeldLock;

export function holderIdentity(holder: LockHolder): string {
  const identity = `${holder.user}@${holder.host} pid ${holder.pid}: ${holder.command}`;
  return identity.length <= MAX_IDENTITY ? identity : `${identity.slice(0, MAX_IDENTITY - 3)}...`;
}

/** metav1.MicroTime, as Lease times are written: RFC 3339 with microseconds. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/Z$/, '000Z');
}

function timeOf(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

/** Who holds the lock at `nowMs` (the API server's time), and until when. */
export function lockStatus(lease: KubeObject | undefined, nowMs: number): LockStatus {
  const identity = lease?.spec?.holderIdentity;
  if (!lease || typeof identity !== 'string' || identity === '') return { state: 'free' };
  const durationSeconds = Number(lease.spec?.leaseDurationSeconds ?? 0);
  const acquiredAtMs = timeOf(lease.spec?.acquireTime);
  const renewedAtMs = timeOf(lease.spec?.renewTime) ?? acquiredAtMs;
  const expiresAtMs = renewedAtMs === undefined ? undefined : renewedAtMs + durationSeconds * 1000;
  // a hold without a renewal time or duration can never expire by itself: treat it as held, --break-lock frees it
  const expired = expiresAtMs !== undefined && durationSeconds > 0 && expiresAtMs <= nowMs;
  return {
    state: expired ? 'expired' : 'held',
    holderIdentity: identity,
    token: lease.metadata.annotations?.[LOCK_ANNOTATIONS.token],
    acquiredAtMs,
    renewedAtMs,
    expiresAtMs,
    durationSeconds,
  };
}

export function isHeldBy(lease: KubeObject | undefined, token: string): boolean {
  return !!lease?.spec?.holderIdentity && lease.metadata.annotations?.[LOCK_ANNOTATIONS.token] === token;
}

function withoutLockAnnotations(annotations: Record<string, string> | undefined): Record<string, string> {
  const kept = { ...annotations };
  for (const key of Object.values(LOCK_ANNOTATIONS)) delete kept[key];
  return kept;
}

/**
 * The Lease that gives the lock to `holder`: a new one (no `current`), or `current` taken over with its
 * resourceVersion kept, so the update fails with 409 Conflict if anyone changed it since it was read.
 */
export function heldLease(current: KubeObject | undefined, holder: LockHolder, nowMs: number, durationSeconds: number): KubeObject {
  const now = microTime(nowMs);
  const transitions = Number(current?.spec?.leaseTransitions ?? 0);
  const changedHands = !!current?.spec?.holderIdentity;
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: {
      ...(current ? { ...current.metadata, managedFields: undefined } : { name: LOCK_NAME, namespace: LOCK_NAMESPACE }),
      labels: { ...current?.metadata.labels, 'app.kubernetes.io/managed-by': 'kmaint' },
      annotations: {
        ...withoutLockAnnotations(current?.metadata.annotations),
        [LOCK_ANNOTATIONS.token]: holder.token,
        [LOCK_ANNOTATIONS.user]: holder.user,
        [LOCK_ANNOTATIONS.host]: holder.host,
        [LOCK_ANNOTATIONS.pid]: String(holder.pid),
        [LOCK_ANNOTATIONS.command]: holder.command,
      },
    },
    spec: {
      holderIdentity: holderIdentity(holder),
      leaseDurationSeconds: durationSeconds,
      acquireTime: now,
      renewTime: now,
      leaseTransitions: current ? transitions + (changedHands ? 1 : 0) : 0,
    },
  };
}

/** The same hold with a new renewTime (resourceVersion kept: a concurrent change makes the update fail). */
export function renewedLease(current: KubeObject, nowMs: number): KubeObject {
  return { ...current, metadata: { ...current.metadata, managedFields: undefined }, spec: { ...current.spec, renewTime: microTime(nowMs) } };
}

/** The lock given back: no holder, so the next run takes it at once (the Lease stays, with its transitions count). */
export function releasedLease(current: KubeObject): KubeObject {
  const { holderIdentity: _holder, acquireTime: _acquired, renewTime: _renewed, ...spec } = current.spec ?? {};
  return {
    ...current,
    metadata: { ...current.metadata, managedFields: undefined, annotations: withoutLockAnnotations(current.metadata.annotations) },
    spec,
  };
}
