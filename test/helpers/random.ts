/**
 * The first two floats of a run's sequence reseeded with 42 (Lua `math.randomseed(42)`, Tengo
 * `rand.seed(42)`): Lua 5.4's own generator, so the same in both engines and as in Lua itself.
 */
export const SEEDED_42 = [0.9308121780395682, 0.4517838993592431];
