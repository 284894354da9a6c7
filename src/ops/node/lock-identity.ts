// Who takes the maintenance lock (this user, host, pid and command line) and the errors that name a holder.
// Kept apart from the lock's API calls so the CLI can use them without loading the Kubernetes client.

import { randomBytes } from 'node:crypto';
import { hostname, userInfo } from 'node:os';
import { LOCK_NAME, LOCK_NAMESPACE, type HeldLock, type LockHolder } from '../../domain/nodes/maintenance-lock.ts';

export const LOCK_REF = `${LOCK_NAMESPACE}/${LOCK_NAME}`;

/** Another run holds the lock: says who, since when, and when it expires. */
export class LockHeldError extends Error {
  constructor(readonly status: HeldLock, readonly nowMs: number) {
    super(`the maintenance lock ${LOCK_REF} is held by "${status.holderIdentity}"`);
  }
}

/** This run no longer holds the lock: someone took it over, or it could not be renewed in time. */
export class LockLostError extends Error {}

/** Who this process is, for holderIdentity: user@host, pid, the command line. */
export function localHolder(command: string): LockHolder {
  let user = process.env.USER ?? 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // no passwd entry (a container's arbitrary uid): keep $USER
  }
  return { user, host: hostname(), pid: process.pid, command, token: randomBytes(8).toString('hex') };
}
