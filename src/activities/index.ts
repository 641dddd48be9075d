/**
 * Activities of the spell workflow, built by a factory from their dependencies.
 * `runSpell` re-executes the script from the top against the journal (DESIGN §2).
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { Client } from '@temporalio/client';
import { sha256Hex } from '../journal/canonical.ts';
import type { Checkpoint, RunOutcome } from '../engines/protocol.ts';
import type { EnginePool } from '../engines/pool.ts';
import { executeEffect, type EffectDeps } from '../bridge/effects.ts';
import { ProviderError } from '../errors/index.ts';
import { DEFAULT_PRICES } from '../models/prices.ts';
import type { RunSpellInput, RunSpellResult } from '../workflows/api.ts';
import { runFromHistory } from './history.ts';
import { RunCache, appendEntries, emptyJournal, type CachedRun } from './run-cache.ts';

/** What the activities need from the worker. */
export interface ActivityDeps extends EffectDeps {
  pool: EnginePool;
  /** Used to rebuild a run this worker has not cached (a restart, another worker). */
  client: Client;
  /** Runs whose source and journal are kept in memory. Default 1000. */
  cachedRuns?: number;
}

export function createActivities(deps: ActivityDeps) {
  const cache = new RunCache(deps.cachedRuns);

  /** The run's source, input and journal up to `input.journalLength`, checked against the workflow's hash. */
  async function loadRun(input: RunSpellInput): Promise<CachedRun> {
    const key = `${input.workflowId}/${input.runId}`;
    let run = cache.get(key);
    if (run && run.journal.length + input.tail.length === input.journalLength) {
      appendEntries(run, input.tail);
      if (run.hash === input.journalHash && run.sourceHash === input.sourceHash) return run;
    }
    // Not cached here (a restart, another worker): rebuild from the run's history.
    const rebuilt = runFromHistory(await deps.client.workflow.getHandle(input.workflowId, input.runId).fetchHistory());
    run = {
      source: rebuilt.spell.source,
      input: rebuilt.spell.input ?? null,
      sourceHash: sha256Hex(rebuilt.spell.source),
      ...emptyJournal(),
    };
    appendEntries(run, rebuilt.entries.slice(0, input.journalLength));
    if (run.hash !== input.journalHash || run.sourceHash !== input.sourceHash) {
      throw ApplicationFailure.nonRetryable(
        `journal of ${key} rebuilt from the workflow does not match its hash (${run.journal.length} entries)`,
        'SpellJournalMismatch',
      );
    }
    cache.set(key, run);
    return run;
  }

  return {
    async runSpell(input: RunSpellInput): Promise<RunSpellResult> {
      const ctx = Context.current();
      const attempt = ctx.info.attempt;
      let checkpoint = attempt > 1 ? (ctx.info.heartbeatDetails as Checkpoint | undefined) : undefined;
      // Heartbeat throughout (a slow model is not a lost worker), always with the latest checkpoint.
      const heartbeatEveryMs = Math.max(100, (ctx.info.heartbeatTimeoutMs ?? 30_000) / 3);
      const beat = setInterval(() => ctx.heartbeat(checkpoint), heartbeatEveryMs);
      /** Adds to the checkpoint of the boundary a running effect belongs to, and heartbeats it. */
      const note = (key: string, part: Pick<Checkpoint, 'effect' | 'live'>) => {
        checkpoint = { ...(checkpoint ?? { seq: Number.parseInt(key, 10), children: [] }), ...part };
        ctx.heartbeat(checkpoint);
      };
      let outcome: RunOutcome;
      let run: CachedRun;
      try {
        run = await loadRun(input);
        outcome = await deps.pool.run(
          {
            engine: input.engine,
            source: run.source,
            fileName: input.fileName,
            input: run.input,
            spell: {
              id: input.workflowId,
              runId: input.runId,
              attempt,
              startedAtMs: input.startedAtMs,
              seed: input.seed,
            },
            journal: run.journal,
            defaultModel: input.defaultModel,
            ...(input.budget ? { budget: input.budget } : {}),
            prices: { ...DEFAULT_PRICES, ...input.prices },
            reportFromCall: input.reportFromCall,
            ...(checkpoint ? { checkpoint } : {}),
            limits: input.limits,
          },
          {
            effect: async (request, callScriptTool) => {
              try {
                const resume = checkpoint?.effect?.key === request.key ? checkpoint.effect.progress : undefined;
                return await executeEffect(request, deps, {
                  ...(resume !== undefined ? { resume } : {}),
                  scriptTool: callScriptTool,
                  live: (chunk) => {
                    const text = (checkpoint?.live?.key === request.key ? checkpoint.live.text : '') + chunk;
                    note(request.key, { live: { key: request.key, text } });
                  },
                  progress: (data) => note(request.key, { effect: { key: request.key, progress: data } }),
                });
              } catch (error) {
                if (error instanceof ProviderError && attempt < input.maxAttempts) throw error.toFailure();
                return { ok: false, error: (error as ProviderError).toData() };
              }
            },
            checkpoint: (saved) => {
              // A completed effect ends its own progress record.
              checkpoint = saved;
              ctx.heartbeat(saved);
            },
            signal: ctx.cancellationSignal,
          },
        );
      } finally {
        clearInterval(beat);
      }
      for (const record of outcome.logs) {
        ctx.log[record.level](record.message, { spell: input.workflowId, call: record.call, fields: record.fields });
      }
      if (outcome.next.type === 'retry') {
        throw ApplicationFailure.retryable(outcome.next.error.message, outcome.next.error.type, outcome.next.error);
      }
      appendEntries(run, outcome.entries);
      if (outcome.next.type === 'done' || outcome.next.type === 'failed') cache.delete(`${input.workflowId}/${input.runId}`);
      return outcome;
    },
  };
}
