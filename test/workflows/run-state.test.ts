/** The workflow's record of a journal chain: what workers check their cached copies against. */
import { describe, expect, it } from 'vitest';
import { RunState } from '../../src/workflows/run-state.ts';
import { resolveSettings } from '../../src/contract/settings.ts';
import { EMPTY_JOURNAL_HASH, journalHash } from '../../src/journal/canonical.ts';
import type { JournalEntry } from '../../src/journal/types.ts';
import type { RunOutcome } from '../../src/contract/run.ts';

const entry = (seq: number, result: string): JournalEntry => ({ seq, kind: 'tool', name: 't', argsDigest: 'd', result, startedAt: 0, durationMs: 0, attempt: 1 });
const outcome = (entries: JournalEntry[], next: RunOutcome['next']): RunOutcome => ({ entries, events: [], logs: [], stateOps: [], calls: entries.length, next });
const boundary: RunOutcome['next'] = { type: 'boundary', call: { seq: 9, kind: 'tool', name: 't', argsDigest: 'd', args: {} } as never };

describe('RunState chains', () => {
  it("hashes every entry into the chain's reference, also after an outcome that ended the chain", () => {
    const run = new RunState(resolveSettings(undefined, 'wf'));
    const entries = [entry(0, 'a'), entry(1, 'b'), entry(2, 'c'), entry(3, 'd')];
    run.applyOutcome('', outcome(entries.slice(0, 2), boundary));
    run.applyOutcome('', outcome(entries.slice(2, 3), { type: 'failed', error: { type: 'SpellScriptError', message: 'x' } }));
    expect(run.refs('').chains[0]).toEqual({ chain: '', length: 3, hash: journalHash(entries.slice(0, 3)) });
    // A workflow-made entry gets the hash of the chain before it as its prevHash.
    const command = entry(3, 'd');
    run.append('', command, true);
    expect(command.prevHash).toBe(journalHash(entries.slice(0, 3)));
    expect(command.prevHash).not.toBe(EMPTY_JOURNAL_HASH);
    expect(run.refs('').chains[0]!.hash).toBe(journalHash([...entries.slice(0, 3), command]));
  });

  it('keeps no entry of a finished branch while its siblings run on (a parallel call of many branches)', () => {
    const run = new RunState(resolveSettings(undefined, 'wf'));
    const branch = '0/1';
    run.applyOutcome(branch, outcome([entry(0, 'x'.repeat(1000))], { type: 'done', result: 1 }));
    expect(run.chains.get(branch)!.unhashed).toEqual([]);
    expect(run.refs(branch).chains.at(-1)!.hash).toBe(journalHash([entry(0, 'x'.repeat(1000))]));
  });
});
