// The cluster-wide maintenance lock through the API: take it (create, or update the read resourceVersion, so of
// two runs racing for it exactly one wins and the other gets 409), renew it while the maintenance runs, notice
// when someone took it over (--break-lock), give it back at the end. Times are the API server's.

import type { KubeClient } from '../../kube/client.ts';
import { sleep } from '../../kube/client.ts';
import { isAlreadyExists, isConflict, isNotFound } from '../../kube/errors.ts';
import type { KubeObject } from '../../domain/object.ts';
import { heldLease, isHeldBy, LOCK_NAME, LOCK_NAMESPACE, lockStatus, releasedLease, renewedLease, type LockHolder } from '../../domain/nodes/maintenance-lock.ts';
import { LOCK_REF, LockHeldError, LockLostError } from './lock-identity.ts';
import type { ServerClock } from './server-clock.ts';
import { sleepUntilServerTime } from './server-time.ts';

const LEASES = `/apis/coordination.k8s.io/v1/namespaces/${LOCK_NAMESPACE}/leases`;
const LOCK_PATH = `${LEASES}/${LOCK_NAME}`;
const ACQUIRE_ATTEMPTS = 3;
const RENEW_RETRY_MS = 1_000;

export type LockEvent =
  | { type: 'lock-acquired'; lock: string; holder: string; expiresAt: string; tookOverFrom?: string; previous?: 'held' | 'expired' }
  | { type: 'lock-renewed'; lock: string; renewTime: string }
  | { type: 'lock-warning'; lock: string; message: string }
  | { type: 'lock-lost'; lock: string; message: string }
  | { type: 'lock-released'; lock: string };

async function readLease(client: KubeClient, signal?: AbortSignal): Promise<KubeObject | undefined> {
  try {
    return await client.request<KubeObject>('GET', LOCK_PATH, { signal });
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

export interface AcquireOptions {
  holder: LockHolder;
  durationSeconds: number;
  /** take the lock even when another run holds it */
  breakLock?: boolean;
  clock: ServerClock;
  signal?: AbortSignal;
  onEvent?: (event: LockEvent) => void;
}

export async function acquireMaintenanceLock(client: KubeClient, options: AcquireOptions): Promise<MaintenanceLock> {
  const { holder, durationSeconds, clock, signal } = options;
  for (let attempt = 1; ; attempt++) {
    const current = await readLease(client, signal);
    const now = await clock.now(signal);
    const status = lockStatus(current, now);
    if (status.state === 'held' && !isHeldBy(current, holder.token) && !options.breakLock) throw new LockHeldError(status, now);
    const wanted = heldLease(current, holder, now, durationSeconds);
    try {
      const stored = current
        ? await client.request<KubeObject>('PUT', LOCK_PATH, { body: wanted, signal })
        : await client.request<KubeObject>('POST', LEASES, { body: wanted, signal });
      const lock = new MaintenanceLock(client, stored, holder.token, durationSeconds, clock, options.onEvent);
      options.onEvent?.({
        type: 'lock-acquired',
        lock: LOCK_REF,
        holder: stored.spec.holderIdentity,
        expiresAt: new Date(now + durationSeconds * 1000).toISOString(),
        ...(status.state !== 'free' ? { tookOverFrom: status.holderIdentity, previous: status.state } : {}),
      });
      return lock;
    } catch (error) {
      // someone wrote the Lease between our read and our write: read it again and decide afresh
      if ((isConflict(error) || isAlreadyExists(error)) && attempt < ACQUIRE_ATTEMPTS) continue;
      throw error;
    }
  }
}

export class MaintenanceLock {
  private readonly lostController = new AbortController();
  private readonly stopController = new AbortController();
  private readonly renewing: Promise<void>;
  private lastRenewMs: number;

  /** aborted (with a LockLostError) when the lock is no longer this run's */
  readonly lost: AbortSignal = this.lostController.signal;

  constructor(
    private readonly client: KubeClient,
    private lease: KubeObject,
    private readonly token: string,
    private readonly durationSeconds: number,
    private readonly clock: ServerClock,
    private readonly onEvent: (event: LockEvent) => void = () => undefined,
  ) {
    this.lastRenewMs = Date.parse(lease.spec.renewTime);
    this.renewing = this.renewLoop().catch(() => undefined);
  }

  get holderIdentity(): string {
    return this.lease.spec.holderIdentity;
  }

  private lose(message: string): void {
    if (this.lost.aborted) return;
    this.onEvent({ type: 'lock-lost', lock: LOCK_REF, message });
    this.lostController.abort(new LockLostError(message));
  }

  private lostMessage(current: KubeObject | undefined): string {
    if (!current) return `the maintenance lock ${LOCK_REF} was deleted by someone else`;
    const holder = current.spec?.holderIdentity;
    return holder
      ? `the maintenance lock ${LOCK_REF} was taken over by "${holder}"`
      : `the maintenance lock ${LOCK_REF} is no longer this run's: another run took it over (--break-lock) and has given it back since`;
  }

  /** Renews at a third of the lease duration (server time), as client-go's leader election does. */
  private async renewLoop(): Promise<void> {
    const stop = this.stopController.signal;
    while (!stop.aborted && !this.lost.aborted) {
      await sleepUntilServerTime(this.clock, this.lastRenewMs + (this.durationSeconds * 1000) / 3, { signal: stop, maxStepMs: 5_000 });
      await this.renewOnce(stop);
    }
  }

  private async renewOnce(stop: AbortSignal): Promise<void> {
    for (;;) {
      if (stop.aborted || this.lost.aborted) return;
      const now = await this.clock.now(stop);
      try {
        this.lease = await this.client.request<KubeObject>('PUT', LOCK_PATH, { body: renewedLease(this.lease, now), signal: stop });
        this.lastRenewMs = now;
        this.onEvent({ type: 'lock-renewed', lock: LOCK_REF, renewTime: this.lease.spec.renewTime });
        return;
      } catch (error) {
        if (stop.aborted) return;
        if (isConflict(error) || isNotFound(error)) {
          const current = await readLease(this.client, stop).catch(() => this.lease);
          if (current && isHeldBy(current, this.token)) {
            this.lease = current; // changed by someone (a label, say) but still ours: renew on top of it
            continue;
          }
          this.lose(this.lostMessage(current));
          return;
        }
        if (now >= this.lastRenewMs + this.durationSeconds * 1000) {
          this.lose(`the maintenance lock ${LOCK_REF} expired: it could not be renewed (${(error as Error).message})`);
          return;
        }
        this.onEvent({ type: 'lock-warning', lock: LOCK_REF, message: `could not renew the maintenance lock, retrying: ${(error as Error).message}` });
        await sleep(RENEW_RETRY_MS, stop);
      }
    }
  }

  /** Checks with the API server that the lock is still this run's; throws LockLostError if not. */
  async confirm(signal?: AbortSignal): Promise<void> {
    if (!this.lost.aborted) {
      const current = await readLease(this.client, signal);
      if (!isHeldBy(current, this.token)) this.lose(this.lostMessage(current));
    }
    if (this.lost.aborted) throw this.lost.reason as LockLostError;
  }

  /** Stops renewing and gives the lock back, unless it is someone else's by now. */
  async release(): Promise<'released' | 'not-held'> {
    this.stopController.abort();
    await this.renewing;
    for (let attempt = 1; ; attempt++) {
      const current = await readLease(this.client);
      if (!isHeldBy(current, this.token)) return 'not-held';
      try {
        await this.client.request('PUT', LOCK_PATH, { body: releasedLease(current as KubeObject) });
        this.onEvent({ type: 'lock-released', lock: LOCK_REF });
        return 'released';
      } catch (error) {
        if (isConflict(error) && attempt < ACQUIRE_ATTEMPTS) continue;
        throw error;
      }
    }
  }
}

export interface LockedRunOptions {
  holder: LockHolder;
  durationSeconds: number;
  breakLock?: boolean;
}

/**
 * Runs `work` holding the lock: `signal` aborts when the operator interrupts or the lock is lost; the lock is
 * given back afterwards whatever happened (a crash leaves it to expire after its duration).
 */
export async function runLocked<T>(
  client: KubeClient,
  clock: ServerClock,
  options: LockedRunOptions & { signal: AbortSignal; onEvent: (event: LockEvent) => void },
  work: (lock: MaintenanceLock, signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const lock = await acquireMaintenanceLock(client, { ...options, clock });
  const signal = AbortSignal.any([options.signal, lock.lost]);
  try {
    return await work(lock, signal);
  } finally {
    try {
      await lock.release();
    } catch (error) {
      options.onEvent({ type: 'lock-warning', lock: LOCK_REF, message: `could not release the maintenance lock (it expires by itself within ${options.durationSeconds}s): ${(error as Error).message}` });
    }
  }
}
