/**
 * Drops dead entries of a map a few at a time, resuming where the previous call stopped.
 *
 * Entries that are still live never block the sweep (a scan that always started at the front
 * would stall behind a few busy keys), and each call inspects more entries than a write can
 * add, so a map that gains at most one entry per sweep keeps at most its live entries plus
 * those that died during the current pass. Map iterators stay valid while the map changes.
 */
export class MapSweeper<K, V> {
  readonly #map: Map<K, V>;
  readonly #isDead: (value: V, nowMs: number) => boolean;
  #cursor: MapIterator<[K, V]>;

  constructor(map: Map<K, V>, isDead: (value: V, nowMs: number) => boolean) {
    this.#map = map;
    this.#isDead = isDead;
    this.#cursor = map.entries();
  }

  /** Inspects up to `budget` entries, deleting those dead at `nowMs`. */
  sweep(nowMs: number, budget = 8): void {
    for (let inspected = 0; inspected < budget; inspected += 1) {
      let next = this.#cursor.next();
      if (next.done) {
        // A finished iterator stays finished; start the next pass from the front.
        this.#cursor = this.#map.entries();
        next = this.#cursor.next();
        if (next.done) return;
      }
      const [key, value] = next.value;
      if (this.#isDead(value, nowMs)) this.#map.delete(key);
    }
  }
}
