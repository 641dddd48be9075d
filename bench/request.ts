/** A run request for benchmarks that drive engines without Temporal: offline model, default limits, a 60 s time limit. */
import { DEFAULT_LIMITS, DEFAULT_PRICES } from '../src/contract/index.ts';
import { SPELL_EXTENSIONS } from '../src/engines/registry.ts';
import type { RunRequest } from '../src/runtime/protocol.ts';

export function benchRequest(engine: string, source: string): RunRequest {
  return {
    engine,
    source,
    fileName: `bench${SPELL_EXTENSIONS[engine]}`,
    input: null,
    spell: { id: 'bench', runId: 'bench', attempt: 1, startedAtMs: Date.now(), seed: 1 },
    chains: { '': [] },
    target: '',
    defaultModel: 'offline:echo',
    prices: DEFAULT_PRICES,
    reportFromCall: 0,
    limits: { ...DEFAULT_LIMITS, timeoutMs: 60_000 },
  };
}
