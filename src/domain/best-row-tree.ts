// The scheduler's search over nodes as a query: starting at a row and wrapping around, take rows until `wanted`
// of them are feasible, and return the best of those (highest score; on a tie the lowest row). A scan costs
// time in the rows it visits (hundreds per pod in a 5,000-node cluster); this segment tree answers in time
// logarithmic in the rows, and a row whose node changed is updated the same way.

export interface RowSearch {
  /** the best feasible row, -1 when none is */
  best: number;
  /** feasible rows taken: `wanted`, or all there are when fewer */
  feasible: number;
  /** rows visited, from `start` up to the last feasible row taken (all rows when fewer than `wanted` are feasible) */
  evaluated: number;
}

export class BestRowTree {
  private readonly leaves: number;
  /** per tree node: feasible rows below it */
  private readonly counts: Int32Array;
  /** per tree node: its best feasible row, or -1 */
  private readonly bests: Int32Array;
  private readonly scores: Float64Array;

  constructor(readonly rows: number) {
    let leaves = 1;
    while (leaves < rows) leaves *= 2;
    this.leaves = leaves;
    this.counts = new Int32Array(2 * leaves);
    this.bests = new Int32Array(2 * leaves).fill(-1);
    this.scores = new Float64Array(rows);
  }

  /** Sets a row: its score when feasible, undefined when not. */
  set(row: number, score: number | undefined): void {
    let at = this.leaves + row;
    this.counts[at] = score === undefined ? 0 : 1;
    this.bests[at] = score === undefined ? -1 : row;
    this.scores[row] = score ?? 0;
    for (at >>= 1; at >= 1; at >>= 1) {
      this.counts[at] = this.counts[2 * at] + this.counts[2 * at + 1];
      this.bests[at] = this.better(this.bests[2 * at], this.bests[2 * at + 1]);
    }
  }

  score(row: number): number {
    return this.scores[row];
  }

  search(start: number, wanted: number): RowSearch {
    const total = this.counts[1];
    if (total === 0) return { best: -1, feasible: 0, evaluated: this.rows };
    if (total < wanted) return { best: this.bests[1], feasible: total, evaluated: this.rows };
    const before = start > 0 ? this.count(0, start - 1) : 0;
    if (total - before >= wanted) {
      const last = this.nth(before + wanted);
      return { best: this.bestIn(start, last), feasible: wanted, evaluated: last - start + 1 };
    }
    const last = this.nth(wanted - (total - before));
    return { best: this.better(this.bestIn(start, this.rows - 1), this.bestIn(0, last)), feasible: wanted, evaluated: this.rows - start + last + 1 };
  }

  private better(a: number, b: number): number {
    if (a < 0) return b;
    if (b < 0) return a;
    const scoreA = this.scores[a];
    const scoreB = this.scores[b];
    return scoreA > scoreB || (scoreA === scoreB && a < b) ? a : b;
  }

  /** Feasible rows in [from, to]. */
  private count(from: number, to: number): number {
    let sum = 0;
    for (let low = from + this.leaves, high = to + this.leaves + 1; low < high; low >>= 1, high >>= 1) {
      if (low & 1) sum += this.counts[low++];
      if (high & 1) sum += this.counts[--high];
    }
    return sum;
  }

  /** Best feasible row in [from, to], or -1. */
  private bestIn(from: number, to: number): number {
    let best = -1;
    for (let low = from + this.leaves, high = to + this.leaves + 1; low < high; low >>= 1, high >>= 1) {
      if (low & 1) best = this.better(best, this.bests[low++]);
      if (high & 1) best = this.better(best, this.bests[--high]);
    }
    return best;
  }

  /** The row of the n-th feasible row (1-based) in row order; n is at most the feasible total. */
  private nth(n: number): number {
    let at = 1;
    while (at < this.leaves) {
      at *= 2;
      if (this.counts[at] < n) {
        n -= this.counts[at];
        at++;
      }
    }
    return at - this.leaves;
  }
}
