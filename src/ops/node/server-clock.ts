// The API server's clock, read from its Date header: grace periods and deletion timestamps are in its time,
// which differs from ours on a skewed machine and runs faster on a sandbox with --time-scale.

import type { KubeClient } from '../../kube/client.ts';
import { serverVersionAndClock } from './health.ts';

/** How long one reading is reused (plus the local time elapsed since). */
const READING_TTL_MS = 250;

export class ServerClock {
  private reading?: { server: number; local: number };
  private pending?: Promise<number>;

  constructor(private readonly client: KubeClient) {}

  async now(signal?: AbortSignal): Promise<number> {
    const local = Date.now();
    if (this.reading && local - this.reading.local < READING_TTL_MS) return this.reading.server + (local - this.reading.local);
    this.pending ??= serverVersionAndClock(this.client, signal)
      .then(({ serverDate }) => {
        const server = serverDate?.getTime() ?? Date.now();
        this.reading = { server, local: Date.now() };
        return server;
      })
      .finally(() => (this.pending = undefined));
    return this.pending;
  }
}
