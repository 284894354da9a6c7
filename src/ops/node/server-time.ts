// Waiting on the API server's clock rather than ours: lock expiry, heartbeats and maintenance windows are
// judged in cluster time, and on a sandbox with --time-scale that time runs several times faster than real
// time. So a wait re-reads the server's clock and estimates its speed instead of sleeping the difference.

import { sleep } from '../../kube/client.ts';
import type { ServerClock } from './server-clock.ts';

/** The first sleep, before the server clock's speed is known. */
const FIRST_STEP_MS = 1_000;
/** Readings are at least this far apart: the Date header counts whole seconds, so closer ones say little. */
const MIN_STEP_MS = 300;

export interface ServerWaitOptions {
  signal?: AbortSignal;
  /** longest real sleep between two readings (default 30 s) */
  maxStepMs?: number;
}

/** Resolves once the API server's clock reads `targetMs` or later. */
export async function sleepUntilServerTime(clock: Pick<ServerClock, 'now'>, targetMs: number, options: ServerWaitOptions = {}): Promise<void> {
  const maxStep = options.maxStepMs ?? 30_000;
  let baseline: { server: number; local: number } | undefined;
  for (;;) {
    const server = await clock.now(options.signal);
    const local = Date.now();
    const remaining = targetMs - server;
    if (remaining <= 0) return;
    baseline ??= { server, local };
    let step = Math.min(remaining, FIRST_STEP_MS);
    // the speed is measured from the first reading: the longer the baseline, the less the Date header's whole
    // seconds matter; sleeping a little short of the estimate approaches the target from below
    if (local - baseline.local >= FIRST_STEP_MS && server > baseline.server) {
      const rate = (server - baseline.server) / (local - baseline.local);
      step = (0.8 * remaining) / rate;
    }
    await sleep(Math.max(MIN_STEP_MS, Math.min(step, maxStep)), options.signal);
  }
}
