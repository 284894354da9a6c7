// The evictions a drain has ready to send, sent a bounded number at a time and the most urgent first. A drain
// of many nodes has hundreds of pods to evict at once: sent all together they open a connection each and
// reach the server in no useful order, so the pods whose budgets force the longest chains of evictions (each
// link waiting for a replacement to become Ready) start their chains late. Queued by urgency, those go first,
// over a few reused connections, and pods that nothing holds up follow.

export class RequestQueue {
  private active = 0;
  private held = false;
  /** waiting, most urgent first, then in arrival order */
  private readonly waiting: { urgency: number; start: () => void }[] = [];

  constructor(private readonly limit: number) {}

  /**
   * Starts nothing until `ready` settles (or `maxMs` passes): work queued meanwhile then goes in order of
   * urgency, not in the order it came.
   */
  holdUntil(ready: Promise<unknown>, maxMs: number): void {
    this.held = true;
    const timer = setTimeout(() => release(), maxMs);
    timer.unref?.();
    const release = (): void => {
      clearTimeout(timer);
      this.held = false;
      this.next();
    };
    ready.then(release, release);
  }

  /** Runs `work` once fewer than `limit` others run and no more urgent work waits. */
  async run<T>(urgency: number, work: () => Promise<T>): Promise<T> {
    if (!this.held && this.active < this.limit && this.waiting.length === 0) {
      this.active++;
    } else {
      // next() counts the work as active when it starts it
      await new Promise<void>((start) => {
        let at = this.waiting.length;
        while (at > 0 && this.waiting[at - 1].urgency < urgency) at--;
        this.waiting.splice(at, 0, { urgency, start });
      });
    }
    try {
      return await work();
    } finally {
      this.active--;
      this.next();
    }
  }

  private next(): void {
    while (!this.held && this.active < this.limit && this.waiting.length > 0) {
      this.active++;
      this.waiting.shift()!.start();
    }
  }
}
