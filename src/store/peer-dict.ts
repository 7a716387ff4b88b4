// A day's destination dictionary for writing: address (four words, see ipWords) → id. IPv4 addresses, nearly
// all of them, live in an open-addressing table of typed arrays: a Map keyed by numbers above 2^30 (every
// public IPv4 address past 64.0.0.0) hashes boxed numbers, measured 90–175 ns a lookup against ~10 here,
// once per NAT row written. IPv6 keys go to a Map by their text of words.
export class PeerDict {
  private keys = new Uint32Array(1 << 12);
  private ids = new Int32Array(1 << 12).fill(-1);
  private used = 0;
  /** 32 − log2(table size): Fibonacci hashing keeps the product's top bits. */
  private shift = 20;
  private readonly v6 = new Map<string, number>();

  get size(): number {
    return this.used + this.v6.size;
  }

  /** The id of the address at w[off..off+3], or -1. */
  get(w: Uint32Array, off: number): number {
    if (isV4(w, off)) {
      const key = w[off]!;
      const mask = this.keys.length - 1;
      for (let i = Math.imul(key, 0x9e3779b1) >>> this.shift; ; i = (i + 1) & mask) {
        const id = this.ids[i]!;
        if (id < 0) return -1;
        if (this.keys[i] === key) return id;
      }
    }
    return this.v6.get(v6Key(w, off)) ?? -1;
  }

  set(w: Uint32Array, off: number, id: number): void {
    if (!isV4(w, off)) {
      this.v6.set(v6Key(w, off), id);
      return;
    }
    if ((this.used + 1) * 2 > this.keys.length) this.grow();
    this.put(w[off]!, id);
  }

  private put(key: number, id: number): void {
    const mask = this.keys.length - 1;
    for (let i = Math.imul(key, 0x9e3779b1) >>> this.shift; ; i = (i + 1) & mask) {
      if (this.ids[i]! < 0) {
        this.keys[i] = key;
        this.ids[i] = id;
        this.used++;
        return;
      }
      if (this.keys[i] === key) {
        this.ids[i] = id;
        return;
      }
    }
  }

  private grow(): void {
    const keys = this.keys, ids = this.ids;
    this.keys = new Uint32Array(keys.length * 2);
    this.ids = new Int32Array(ids.length * 2).fill(-1);
    this.used = 0;
    this.shift--;
    for (let i = 0; i < keys.length; i++) if (ids[i]! >= 0) this.put(keys[i]!, ids[i]!);
  }
}

function isV4(w: Uint32Array, off: number): boolean {
  return w[off + 1] === 0xffff && w[off + 2] === 0 && w[off + 3] === 0;
}

function v6Key(w: Uint32Array, off: number): string {
  return `${w[off + 3]}:${w[off + 2]}:${w[off + 1]}:${w[off]}`;
}
