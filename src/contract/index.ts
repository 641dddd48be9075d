/** The contract between the parts (DESIGN §1): pure, sandbox-safe, no dependencies. */
export * from './errors.ts';
export * from './kinds.ts';
export * from './run.ts';
export * from './settings.ts';
export * from './usage.ts';
