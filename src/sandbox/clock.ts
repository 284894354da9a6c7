// The sandbox's one clock. Simulated time runs `timeScale` times faster than real time (--time-scale 10:
// ten simulated seconds per real second), and every controller, kubelet and the API server read it, so grace
// periods, heartbeats and timeouts can be exercised quickly and consistently. Timers live in one heap driven
// by a single real timer, so thousands of simulated nodes do not each hold a Node.js timer.

export interface Clock {
  /** the simulated time */
  now(): Date;
  nowMs(): number;
  /** run `fn` after `ms` simulated milliseconds; returns a cancel function */
  after(ms: number, fn: () => void): () => void;
  /** run `fn` every `ms` simulated milliseconds, first after `firstMs` (default `ms`) */
  every(ms: number, fn: () => void, firstMs?: number): () => void;
  sleep(ms: number): Promise<void>;
  readonly timeScale: number;
}

interface Timer {
  at: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

export class SimClock implements Clock {
  private readonly heap: Timer[] = [];
  private seq = 0;
  private realTimer?: NodeJS.Timeout;
  private armedFor = Infinity;
  private readonly realStart: number;
  private readonly simStart: number;
  private stopped = false;

  constructor(
    readonly timeScale = 1,
    start: Date = new Date(),
    private readonly realNow: () => number = () => performance.now(),
  ) {
    if (!(timeScale > 0) || !Number.isFinite(timeScale)) throw new Error(`time scale must be a positive number, got ${timeScale}`);
    this.realStart = this.realNow();
    this.simStart = start.getTime();
  }

  nowMs(): number {
    return this.simStart + (this.realNow() - this.realStart) * this.timeScale;
  }

  now(): Date {
    return new Date(Math.floor(this.nowMs()));
  }

  after(ms: number, fn: () => void): () => void {
    const timer: Timer = { at: this.nowMs() + Math.max(0, ms), seq: this.seq++, fn, cancelled: false };
    this.push(timer);
    this.arm();
    return () => {
      timer.cancelled = true;
    };
  }

  every(ms: number, fn: () => void, firstMs = ms): () => void {
    let cancel = (): void => {};
    let cancelled = false;
    const tick = (): void => {
      if (cancelled) return;
      cancel = this.after(ms, tick);
      fn();
    };
    cancel = this.after(firstMs, tick);
    return () => {
      cancelled = true;
      cancel();
    };
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.after(ms, resolve));
  }

  /** Stops firing timers (the sandbox is shutting down). */
  stop(): void {
    this.stopped = true;
    if (this.realTimer) clearTimeout(this.realTimer);
    this.heap.length = 0;
  }

  private arm(): void {
    if (this.stopped) return;
    while (this.heap.length > 0 && this.heap[0].cancelled) this.pop();
    if (this.heap.length === 0) return;
    const next = this.heap[0].at;
    if (next >= this.armedFor && this.realTimer) return;
    if (this.realTimer) clearTimeout(this.realTimer);
    this.armedFor = next;
    const delay = Math.max(0, (next - this.nowMs()) / this.timeScale);
    this.realTimer = setTimeout(() => this.fire(), Math.min(delay, 2 ** 31 - 1));
  }

  private fire(): void {
    this.realTimer = undefined;
    this.armedFor = Infinity;
    const now = this.nowMs();
    // timers added while firing wait for the next round, so a zero-delay loop cannot starve the event loop
    const due: Timer[] = [];
    while (this.heap.length > 0 && this.heap[0].at <= now) due.push(this.pop());
    for (const timer of due) {
      if (timer.cancelled) continue;
      try {
        timer.fn();
      } catch (error) {
        process.emitWarning(`sandbox timer failed: ${(error as Error).stack ?? error}`);
      }
    }
    this.arm();
  }

  private push(timer: Timer): void {
    const heap = this.heap;
    heap.push(timer);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (earlier(heap[parent], heap[i])) break;
      [heap[parent], heap[i]] = [heap[i], heap[parent]];
      i = parent;
    }
  }

  private pop(): Timer {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let smallest = i;
        if (left < heap.length && earlier(heap[left], heap[smallest])) smallest = left;
        if (right < heap.length && earlier(heap[right], heap[smallest])) smallest = right;
        if (smallest === i) break;
        [heap[smallest], heap[i]] = [heap[i], heap[smallest]];
        i = smallest;
      }
    }
    return top;
  }
}

function earlier(a: Timer, b: Timer): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}
