/**
 * A small seeded pseudo-random generator (mulberry32) so the simulated venue is deterministic:
 * the same seed gives the same synthetic market, latencies and therefore the same fills.
 * Never use `Math.random` in the sim.
 *
 * @example
 * const rng = new SeededRandom(42);
 * rng.next(); // 0 <= x < 1, same sequence for seed 42 every run
 */
export class SeededRandom {
  private state: number;

  /** @param seed any integer; 0 is fine. */
  constructor(seed: number) {
    this.state = hash32(seed) >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform integer in [0, maxExclusive). */
  int(maxExclusive: number): number {
    return Math.floor(this.next() * maxExclusive);
  }

  /** Uniform integer in [min, max] (both inclusive). */
  intBetween(min: number, max: number): number {
    return min + this.int(max - min + 1);
  }

  /** Standard normal variate (Box–Muller). */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Exponential variate with the given rate (mean 1/rate): Poisson inter-arrival times. */
  exponential(rate: number): number {
    return -Math.log(1 - this.next()) / rate;
  }

  /** An independent generator derived from this seed and `stream` (e.g. an instrument symbol). */
  fork(stream: string | number): SeededRandom {
    const salt = typeof stream === "number" ? stream : hashString(stream);
    return new SeededRandom((this.state ^ hash32(salt)) | 0);
  }
}

function hash32(x: number): number {
  let h = x | 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}

function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  }
  return h | 0;
}
