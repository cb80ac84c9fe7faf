interface Slot<V> {
  value: V
  freshUntil: number
}

/**
 * The in-process cache on the hot path. An entry is fresh for `ttlMs`; after that it is only
 * used as a last resort (`stale`) when the shared store and the database both fail. Bounded:
 * the oldest entries go first.
 */
export class LocalCache<V> {
  private readonly slots = new Map<string, Slot<V>>()
  /** Bumped by every delete/clear: a fill that started before a change must not land after it. */
  private changes = 0

  constructor(private readonly ttlMs: number, private readonly max = 10_000, private readonly now: () => number = Date.now) {}

  fresh(key: string): V | undefined {
    const s = this.slots.get(key)
    return s && s.freshUntil > this.now() ? s.value : undefined
  }

  stale(key: string): V | undefined {
    return this.slots.get(key)?.value
  }

  /** Pass to `set` to drop the value if anything changed since (see `changes`). */
  epoch(): number {
    return this.changes
  }

  set(key: string, value: V, ttlMs = this.ttlMs, epoch?: number): void {
    if (epoch !== undefined && epoch !== this.changes) return
    this.slots.delete(key)
    this.slots.set(key, { value, freshUntil: this.now() + ttlMs })
    while (this.slots.size > this.max) this.slots.delete(this.slots.keys().next().value as string)
  }

  /** Drops the entry altogether (revocation must not survive as a stale fallback). */
  delete(key: string): void {
    this.changes++
    this.slots.delete(key)
  }

  clear(): void {
    this.changes++
    this.slots.clear()
  }
}
