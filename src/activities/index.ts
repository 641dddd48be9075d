/**
 * Activities of the spell workflow, built by a factory from their dependencies.
 * `runSpell` re-executes the script from the top against the journal (DESIGN §2).
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { Client } from '@temporalio/client';
import type { InjectedSinks } from '@temporalio/worker';
import type { RunSpellInput, RunSpellResult } from '../contract/run.ts';
import { NEVER_RETRIED } from '../contract/errors.ts';
import type { Checkpoint, EffectResult, RunRequest } from '../runtime/protocol.ts';
import type { EnginePool } from '../engines/pool.ts';
import { engineFor } from '../engines/registry.ts';
import { executeEffect } from '../bridge/host.ts';
import type { EffectDeps } from '../bridge/kind.ts';
import { SpellError } from '../errors/index.ts';
import { activityTrace } from '../telemetry/activity.ts';
import type { SpellTracing } from '../telemetry/tracing.ts';
import { MAIN_CHAIN } from '../journal/types.ts';
import { currentInput, runFromHistory, type LegacyRunSpellInput } from './history.ts';
import { RunCache, appendEntries, appendNew, cachedRunOf, chainOf, matches, type CachedRun } from './run-cache.ts';
import type { SpellSinks } from '../workflows/api.ts';

/** What the activities need from the worker. */
export interface ActivityDeps extends EffectDeps {
  pool: EnginePool;
  /** Used to rebuild a run this worker has not cached (a restart, another worker). */
  client: Client;
  /**
   * Runs whose source and journal are kept in memory (default: 1000 of them); give the same
   * cache to {@link runSinks} so that a run's first activity finds it there.
   */
  runs?: RunCache;
  /**
   * Most bytes of one activity result (new entries, state changes, events, logs): under
   * Temporal's payload limit unless External Storage takes large results.
   */
  resultLimitBytes: number;
  /** OpenTelemetry tracing: a span per bridge call and step this worker executes (see createTracing). */
  tracing?: SpellTracing;
}

/** Checkpoints within this long of each other go out in one heartbeat. */
const HEARTBEAT_COALESCE_MS = 50;

/** The workflow execution an activity belongs to. */
export interface RunIds {
  workflowId: string;
  runId: string;
}

/**
 * The worker's end of {@link SpellSinks}: a run that starts on this worker puts its input in
 * `runs`, and its first activity finds it there instead of fetching the run's history.
 */
export function runSinks(runs: RunCache): InjectedSinks<SpellSinks> {
  return {
    llmspellRuns: {
      started: {
        fn: (info, spell) => runs.set(`${info.workflowId}/${info.runId}`, cachedRunOf(spell, info.workflowId, spell.fork ? { [MAIN_CHAIN]: spell.fork.journal } : {})),
      },
    },
  };
}

/** The one mapping from an activity's input and its cached run to a re-execution request. */
export function runRequestOf(run: CachedRun, input: RunSpellInput, ids: RunIds, attempt: number, checkpoint?: Checkpoint, quickTools: string[] = []): RunRequest {
  const { settings, spell } = run;
  return {
    engine: spell.engine,
    source: spell.source,
    fileName: spell.fileName,
    input: spell.input ?? null,
    spell: { id: ids.workflowId, runId: ids.runId, attempt, startedAtMs: input.startedAtMs, seed: settings.seed },
    chains: Object.fromEntries(input.chains.map((ref) => [ref.chain, chainOf(run, ref.chain).entries.slice(0, ref.length)])),
    target: input.target,
    defaultModel: settings.defaultModel,
    ...(settings.budget ? { budget: settings.budget } : {}),
    ...(input.spent ? { spent: input.spent } : {}),
    prices: settings.prices,
    reportFromCall: input.reportFromCall,
    ...(input.scheduled !== undefined ? { scheduled: input.scheduled } : {}),
    ...(checkpoint ? { checkpoint } : {}),
    limits: settings.limits,
    ...(spell.carried ? { initialState: spell.carried.state, carriedUsage: spell.carried.usage } : {}),
    history: input.history,
    ...(input.local ? { local: { quickTools } } : {}),
  };
}

export function createActivities(deps: ActivityDeps) {
  const cache = deps.runs ?? new RunCache();
  const quickTools = Object.entries(deps.tools).filter(([, t]) => typeof t === 'object' && t.quick).map(([name]) => name);

  /** The run's source, input and journal chains, checked against the workflow's references. */
  async function loadRun(input: RunSpellInput, ids: RunIds): Promise<CachedRun> {
    const key = `${ids.workflowId}/${ids.runId}`;
    const cached = cache.get(key);
    const current = (run: CachedRun) =>
      run.sourceHash === input.sourceHash &&
      input.chains.every((ref) => {
        const chain = chainOf(run, ref.chain);
        appendEntries(chain, input.tails?.[ref.chain] ?? []);
        return matches(chain, ref);
      });
    if (cached && current(cached)) return cached;
    // Not cached here (a restart, another worker): rebuild from the run's history.
    const handle = deps.client.workflow.getHandle(ids.workflowId, ids.runId);
    const rebuilt = await runFromHistory(await handle.fetchHistory(), deps.client.options.loadedDataConverter);
    const run = cachedRunOf(rebuilt.spell, ids.workflowId, rebuilt.chains);
    if (!current(run)) {
      throw new SpellError('SpellJournalMismatch', `the journal of ${key} rebuilt from its history does not match the workflow's (chains ${input.chains.map((c) => `${c.chain || 'main'}: ${c.length}`).join(', ')})`).toFailure();
    }
    cache.set(key, run);
    return run;
  }

  return {
    async runSpell(raw: RunSpellInput | LegacyRunSpellInput): Promise<RunSpellResult> {
      const input = currentInput(raw);
      const ctx = Context.current();
      // Always set for activities a workflow scheduled (runSpell is never started on its own).
      const ids: RunIds = ctx.info.workflowExecution!;
      const attempt = ctx.info.attempt;
      let checkpoint = attempt > 1 ? (ctx.info.heartbeatDetails as Checkpoint | undefined) : undefined;
      // Heartbeat throughout (a slow model is not a lost worker), always with the latest
      // checkpoint. A local activity runs quick work only and cannot heartbeat. Checkpoints
      // that come fast (an agent's steps on a quick model) are sent together: each heartbeat
      // encodes the whole checkpoint, and Temporal sends the server at most one per throttle
      // interval anyway (500 ms on a spell worker); a failing attempt sends its last at once.
      let queued: ReturnType<typeof setTimeout> | undefined;
      const send = () => {
        clearTimeout(queued);
        queued = undefined;
        ctx.heartbeat(checkpoint);
      };
      const heartbeat = ctx.info.isLocal ? () => {} : () => void (queued ??= setTimeout(send, HEARTBEAT_COALESCE_MS));
      const heartbeatEveryMs = Math.max(100, (ctx.info.heartbeatTimeoutMs ?? 30_000) / 3);
      const beat = ctx.info.isLocal ? undefined : setInterval(send, heartbeatEveryMs);
      const spans = activityTrace(deps.tracing, input);
      /** Adds to the checkpoint of the boundary a running effect belongs to, and heartbeats it. */
      const note = (key: string, part: Pick<Checkpoint, 'effect' | 'live'>) => {
        checkpoint = { ...(checkpoint ?? { seq: seqOf(key), children: [] }), ...part };
        heartbeat();
      };
      let run: CachedRun;
      let outcome: RunSpellResult;
      try {
        run = await loadRun(input, ids);
        const spellDir = run.spell.dir;
        const fork = run.spell.fork;
        outcome = await deps.pool.run(runRequestOf(run, input, ids, attempt, checkpoint, quickTools), {
          effect: (request, callScriptTool) => spans.effect(request, run.settings.prices, async () => {
            try {
              const resume = checkpoint?.effect?.key === request.key ? checkpoint.effect.progress : undefined;
              return outputChecked(request.kind, request.name, run.settings.limits.outputLimitBytes, await executeEffect(request, deps, {
                ...(resume !== undefined ? { resume } : {}),
                scriptTool: callScriptTool,
                live: (chunk) => {
                  const text = (checkpoint?.live?.key === request.key ? checkpoint.live.text : '') + chunk;
                  note(request.key, { live: { key: request.key, text } });
                },
                progress: (data) => note(request.key, { effect: { key: request.key, progress: data } }),
                ...(spellDir ? { spellDir } : {}),
                ...(fork && !fork.allowEffects ? { refuseEffects: { forkOf: fork.workflowId } } : {}),
                engineFor: (file, engine) => {
                  const descriptor = engineFor(file, engine);
                  return { name: descriptor.name, extension: descriptor.extensions[0]! };
                },
              }));
            } catch (error) {
              // A failure that may pass: Temporal retries the activity, but the last attempt journals it.
              if (error instanceof SpellError && attempt < input.maxAttempts) throw error.toFailure();
              return { ok: false, error: (error as SpellError).toData() };
            }
          }),
          checkpoint: (saved) => {
            spans.boundary(saved.call);
            // A completed effect ends its own progress record.
            checkpoint = saved;
            heartbeat();
          },
          signal: ctx.cancellationSignal,
        });
      } catch (error) {
        if (queued) send();
        spans.failed(error);
        throw error;
      } finally {
        clearInterval(beat);
        clearTimeout(queued);
      }
      for (const record of outcome.logs) {
        ctx.log[record.level](record.message, { spell: ids.workflowId, call: record.call, fields: record.fields });
      }
      outcome = bounded(outcome, deps.resultLimitBytes);
      spans.ended(outcome);
      if (outcome.next.type === 'retry') {
        // A step that asked for retries; an error no retry can help (a limit, bad input) is not retried.
        const { error } = outcome.next;
        throw ApplicationFailure.create({ type: error.type, message: error.message, details: [error], nonRetryable: NEVER_RETRIED.includes(error.type as never) });
      }
      const digests = appendNew(chainOf(run, input.target), outcome.entries);
      if (digests) outcome.digests = digests;
      if (input.local) Object.assign(outcome, { target: input.target }, input.tails ? { tails: input.tails } : {});
      if (input.target === '' && (outcome.next.type === 'done' || outcome.next.type === 'failed')) cache.delete(`${ids.workflowId}/${ids.runId}`);
      return outcome;
    },
  };
}

/** An effect's result over the output limit is refused here, before it is copied into the engine. */
function outputChecked(kind: string, name: string, limitBytes: number, result: EffectResult): EffectResult {
  if (!result.ok) return result;
  const size = JSON.stringify(result.value)?.length ?? 0;
  if (size <= limitBytes) return result;
  return { ok: false, error: { type: 'SpellOutputLimit', message: `${kind} "${name}" result: ${size} bytes of JSON is over the output limit of ${limitBytes} bytes` } };
}

/**
 * An outcome whose entries, state changes, events and logs together are too large for one
 * activity result fails the run with SpellOutputLimit naming the largest part; nothing of it
 * is kept (a partial result would lose state changes).
 */
function bounded(outcome: RunSpellResult, limitBytes: number): RunSpellResult {
  const parts = { 'journal entries': outcome.entries, 'state changes': outcome.stateOps, events: outcome.events, logs: outcome.logs, result: outcome.next };
  const sizes = Object.entries(parts).map(([name, value]) => [name, JSON.stringify(value).length] as const);
  const total = sizes.reduce((sum, [, size]) => sum + size, 0);
  if (total <= limitBytes) return outcome;
  const [largest, size] = sizes.reduce((a, b) => (b[1] > a[1] ? b : a));
  return {
    entries: [],
    events: [],
    logs: [],
    stateOps: [],
    calls: outcome.calls,
    next: {
      type: 'failed',
      error: {
        type: 'SpellOutputLimit',
        message: `one step produced ${total} bytes (its ${largest}: ${size} bytes), over the limit of ${limitBytes} bytes for one activity result; keep large values out of state and events, or configure External Storage`,
      },
    },
  };
}

/** The boundary a checkpoint key belongs to: `3`, `3/1/0` or `3/1/0.2` (a call inside a step) → its seq in the chain. */
function seqOf(key: string): number {
  return Number.parseInt(key.split('/').at(-1)!, 10);
}
