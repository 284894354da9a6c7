// Stored bytes for objects that die in bulk (Leases rewritten every 10 s, Events trimmed oldest first), packed
// into shared slabs instead of one allocation each. Every Buffer of its own is an ArrayBuffer that V8 accounts
// as external memory, and allocating many in a burst grew costly in a large heap: with 5,000 nodes, the 500
// Lease renewals a second of the kubelets' heartbeats had become the most expensive writes of a large cluster
// (34 of its 290 s, measured with `npm run bench -- cluster --profile`; 1 s with slabs).
// A slab lives as long as any object in it, so objects with mixed lifetimes (pods) keep exact allocations.

const SLAB_BYTES = 64 * 1024;
/** bigger objects get their own allocation, so a slab is never mostly one object */
const MAX_SLABBED_BYTES = 4 * 1024;

export class Slab {
  private current = Buffer.allocUnsafeSlow(SLAB_BYTES);
  private used = 0;

  /** `text` as UTF-8, in the current slab when it fits. */
  encode(text: string): Buffer {
    const length = Buffer.byteLength(text);
    if (length > MAX_SLABBED_BYTES) return exactBytes(text, length);
    if (this.used + length > SLAB_BYTES) {
      this.current = Buffer.allocUnsafeSlow(SLAB_BYTES);
      this.used = 0;
    }
    const start = this.used;
    this.current.write(text, start);
    this.used += length;
    return this.current.subarray(start, start + length);
  }
}

/** An allocation of exactly `text`'s bytes, owned by the one object. */
export function exactBytes(text: string, length = Buffer.byteLength(text)): Buffer {
  const bytes = Buffer.allocUnsafeSlow(length);
  bytes.write(text);
  return bytes;
}
