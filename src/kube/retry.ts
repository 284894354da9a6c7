// Which failed requests are worth sending again, and after how long. A busy or restarting API server answers
// for a moment with 429 (throttling), 500/502/503/504, a 409 on a write that lost a race, or drops the
// connection; sending the same idempotent request again a few times, a little later each time, rides that out.
// What no retry cures stays final: other 4xx answers, and the 500 the eviction subresource gives a pod that
// several PodDisruptionBudgets cover.

import { setTimeout as delay } from 'node:timers/promises';
import { KubeApiError, KubeConnectionError } from './errors.ts';

export interface RetryPolicy {
  /** how many times a request is sent again after transient failures, at most */
  retries: number;
  /** the first backoff; each next one doubles, up to maxMs, stretched by up to half at random */
  initialMs: number;
  maxMs: number;
  /** the server's Retry-After is honoured up to this */
  maxRetryAfterMs: number;
}

/** For writes a drain repeats (evictions, deletes, the cordon patch): about 8 s of retries in all. */
export const TRANSIENT_RETRY: RetryPolicy = { retries: 5, initialMs: 250, maxMs: 4_000, maxRetryAfterMs: 30_000 };
/** For reads (KubeClient GETs): short, since a read that keeps failing should be reported soon. */
export const READ_RETRY: RetryPolicy = { retries: 3, initialMs: 200, maxMs: 2_000, maxRetryAfterMs: 30_000 };

const TRANSIENT_STATUS = new Set([429, 500, 502, 503, 504]);
/** connections lost mid-request: the request may be sent again (it is idempotent, or checked before) */
const TRANSIENT_SOCKET = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT']);

/** upstream's eviction answer for a pod with several budgets: a 500 that no retry changes */
export function isSeveralBudgetsError(error: unknown): boolean {
  return error instanceof KubeApiError && error.code === 500 && /more than one PodDisruptionBudget/.test(error.message);
}

/** A 429 that a PodDisruptionBudget gave (its cause says so), not the server's throttling. */
export function isBudgetRefusal(error: unknown): boolean {
  if (!(error instanceof KubeApiError) || error.code !== 429) return false;
  return error.causes.some((cause) => cause.reason === 'DisruptionBudget') || /disruption budget/i.test(error.message);
}

/**
 * May the same request succeed if sent again? 429 (but not a budget's), 500/502/503/504 (but not the
 * several-budgets 500), a connection lost mid-way; 409 Conflict only when `conflicts` says the request does
 * not depend on the object's version (a patch, a delete, an eviction).
 */
export function isTransient(error: unknown, options: { conflicts?: boolean } = {}): boolean {
  if (error instanceof KubeApiError) {
    if (error.code === 409) return !!options.conflicts && error.reason !== 'AlreadyExists';
    if (isSeveralBudgetsError(error) || isBudgetRefusal(error)) return false;
    return TRANSIENT_STATUS.has(error.code);
  }
  if (error instanceof KubeConnectionError) return TRANSIENT_SOCKET.has(error.syscode ?? '');
  return false;
}

/** The wait before the `attempt`-th retry (1, 2, ...): the server's Retry-After (capped), else exponential backoff with jitter. */
export function retryDelayMs(error: unknown, attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const retryAfter = error instanceof KubeApiError ? error.retryAfterSeconds : undefined;
  if (retryAfter !== undefined) return Math.min(retryAfter * 1000, policy.maxRetryAfterMs);
  const base = Math.min(policy.maxMs, policy.initialMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(Math.min(policy.maxMs, base * (1 + 0.5 * random())));
}

export interface RetryOptions {
  policy?: RetryPolicy;
  /** 409 Conflict is transient for this request (see isTransient) */
  conflicts?: boolean;
  signal?: AbortSignal;
  /** told before each wait (progress lines, logs) */
  onRetry?: (error: unknown, delayMs: number, attempt: number) => void;
  random?: () => number;
}

/** Sends, and sends again after transient failures up to the policy's retries; the last error is thrown as is. */
export async function withRetries<T>(send: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const policy = options.policy ?? TRANSIENT_RETRY;
  for (let attempt = 1; ; attempt++) {
    try {
      return await send();
    } catch (error) {
      if (attempt > policy.retries || options.signal?.aborted || !isTransient(error, { conflicts: options.conflicts })) throw error;
      const wait = retryDelayMs(error, attempt, policy, options.random);
      options.onRetry?.(error, wait, attempt);
      await delay(wait, undefined, { signal: options.signal });
    }
  }
}
