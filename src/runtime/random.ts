/**
 * The random sequence of one run, shared by every engine (DESIGN §2): `math.random`,
 * `Math.random` and Tengo's `rand` all draw from it, so a replay draws the same numbers.
 *
 * It starts as mulberry32 seeded by the run's seed (32-bit floats; the sequence runs have
 * always had). A script may reseed it (`math.randomseed`, Tengo `rand.seed`): from then on
 * it is Lua 5.4's own generator, xoshiro256** seeded as Lua seeds it, with 53-bit floats,
 * so a reseeded run gives exactly the numbers Lua 5.4 gives for that seed, in every engine.
 */
const MASK64 = (1n << 64n) - 1n;

const rotl = (x: bigint, n: bigint): bigint => ((x << n) | (x >> (64n - n))) & MASK64;

export class RunRandom {
  private state32: number;
  /** xoshiro256** state once reseeded. */
  private state: [bigint, bigint, bigint, bigint] | undefined;

  constructor(seed: number) {
    this.state32 = seed | 0;
  }

  /** Next number in [0, 1). */
  next(): number {
    if (this.state) return Number(this.xoshiro() >> 11n) / 2 ** 53;
    return this.mulberry32() / 4294967296;
  }

  /** Next 64 random bits, as an unsigned integer (Lua's `math.random(0)` and integer ranges). */
  next64(): bigint {
    if (this.state) return this.xoshiro();
    const high = BigInt(this.mulberry32());
    return (high << 32n) | BigInt(this.mulberry32());
  }

  /**
   * Reseeds with two 64-bit integers, as Lua 5.4's `math.randomseed(x, y)`: the state is
   * (x, 0xff, y, 0), and the first 16 values are discarded to spread the seed.
   */
  reseed(x: bigint, y = 0n): void {
    this.state = [BigInt.asUintN(64, x), 0xffn, BigInt.asUintN(64, y), 0n];
    for (let i = 0; i < 16; i++) this.xoshiro();
  }

  private mulberry32(): number {
    this.state32 = (this.state32 + 0x6d2b79f5) | 0;
    let t = Math.imul(this.state32 ^ (this.state32 >>> 15), 1 | this.state32);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (t ^ (t >>> 14)) >>> 0;
  }

  private xoshiro(): bigint {
    const s = this.state!;
    const result = (rotl((s[1] * 5n) & MASK64, 7n) * 9n) & MASK64;
    const t = (s[1] << 17n) & MASK64;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45n);
    return result;
  }
}
