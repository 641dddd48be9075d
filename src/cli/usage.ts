/** Usage text: one entry per command (`llmspell <command> --help`), and the overview (`llmspell --help`). */

export interface CommandUsage {
  /** The command line, after `llmspell `. */
  synopsis: string;
  /** One line: what it does. */
  summary: string;
  /** Its own flags, as `flag  meaning` lines. */
  flags?: string[];
  /** A closing paragraph. */
  notes?: string;
}

const RUN_FLAGS = [
  '--input JSON            the spell\'s input (spell.input)',
  '--json                  print one JSON document on stdout (see README, "JSON output")',
  '--engine lua|js|tengo   the engine; default from the file\'s extension',
  '--model ID              model of calls that name none; default offline:echo',
  '--timeout MS            script CPU time per step; default 10000',
  '--memory BYTES          engine memory; default 64 MiB',
  '--max-tokens N          token budget of the run',
  '--max-cost USD          cost budget of the run, in dollars',
  '--id RUN-ID             the run\'s id; default spell-<file>-<random>',
  '--task-queue NAME       task queue; default llmspell',
];

export const COMMAND_USAGE: Record<string, CommandUsage> = {
  run: {
    synopsis: 'run <file> [options]',
    summary: 'run a spell with an in-process worker, showing each step; prints the result',
    flags: [...RUN_FLAGS, '--max-concurrent-steps N steps the in-process worker runs at once; default 16'],
  },
  start: {
    synopsis: 'start <file> [options]',
    summary: 'start a spell for a running worker; prints its run id',
    flags: RUN_FLAGS,
  },
  worker: {
    synopsis: 'worker [options]',
    summary: 'run a spell worker until interrupted (SIGINT, SIGTERM)',
    flags: [
      '--task-queue NAME       task queue to poll; default llmspell',
      '--max-concurrent-steps N steps run at once; default 16',
      '--max-cached-workflows N runs whose workflow state stays in memory; default Temporal\'s (by heap size)',
      '--json                  print {"status": "running", "address", "namespace", "taskQueue", "maxConcurrentSteps"} once it polls',
    ],
    notes: 'Model keys, MCP servers (LLMSPELL_MCP_SERVERS) and External Storage (LLMSPELL_STORAGE*) come from the environment.',
  },
  signal: {
    synopsis: 'signal <run-id> <name> [JSON] [options]',
    summary: 'deliver JSON (default null) to signal.wait(name)',
    flags: ['--json                  print {"runId", "signal", "status": "sent"}'],
  },
  list: {
    synopsis: 'list [options]',
    summary: 'list runs from Temporal visibility, running ones first, then the most recently closed: status, spell, engine, started, duration, history events, tokens, cost',
    flags: [
      '--status STATUS         running, completed, failed, canceled, terminated, timed-out or continued-as-new',
      '--spell FILE            runs of this spell file (its name, e.g. hello.lua; needs the search attribute llmspellSpell)',
      '--query QUERY           a Temporal visibility query, and-ed with the rest (e.g. "llmspellCostUsd > 0.5")',
      '--limit N               most runs shown; default 20',
      '--json                  print {"runs": [...]}',
    ],
  },
  describe: {
    synopsis: 'describe <run-id> [options]',
    summary: 'show a run: status, what it waits on, the pending step, state, last events, children, usage',
    flags: ['--events N              last events shown; default 10', '--json                  print one JSON document'],
    notes: 'Live details (state, events, what it waits on) come from the run\'s queries, which a worker answers; without one, from its history.',
  },
  cancel: {
    synopsis: 'cancel <run-id> [options]',
    summary: 'ask a run to stop: its current step is cancelled, children too; it ends as SpellCancelled',
    flags: ['--json                  print {"runId", "status": "cancel-requested"}'],
  },
  terminate: {
    synopsis: 'terminate <run-id> [--reason TEXT] [options]',
    summary: 'end a run at once, without running any of its code (children are cancelled by their parent-close policy)',
    flags: ['--reason TEXT           recorded in the run\'s history', '--json                  print {"runId", "status": "terminated", "reason"}'],
  },
  history: {
    synopsis: 'history <run-id> [options] | history --verify --file EXPORT',
    summary: 'print a run\'s journal as a tree (branches, child spells, continued runs) with durations, tokens and cost, then totals',
    flags: [
      '--events                list the run\'s events instead (event.emit and the bridge\'s), read from history',
      '--kind KIND             with --events: script (event.emit), or llm, tool, agent, hook (the bridge\'s)',
      '--name NAME             with --events: events of this name; * matches any characters (llm.*)',
      '--verify                check the journal: every entry links to the one before it (prevHash) and re-derives from its recorded arguments on an offline replay',
      '--file EXPORT           with --verify: check a run export (llmspell export) instead: no Temporal server is needed',
      '--json                  print one JSON document',
    ],
  },
  replay: {
    synopsis: 'replay <run-id> | --file EXPORT [--source FILE] [options]',
    summary: 're-execute a run offline against its journal (no model or tool calls); with --source, check a changed spell against it',
    flags: [
      '--source FILE           the changed spell to check',
      '--file EXPORT           replay a run export (llmspell export) instead: no Temporal server is needed',
      '--json                  print one JSON document',
    ],
  },
  fork: {
    synopsis: 'fork <run-id> --at N [options]',
    summary: 'start a what-if run: the first N journal entries (#0…#N-1) replay from the run, no model or tool call; then it runs live, with an in-process worker',
    flags: [
      '--at N                  how many main-line entries to copy (llmspell history numbers them)',
      '--source FILE           run a changed spell; it must replay the copied entries',
      '--input JSON            another input (spell.input)',
      '--model ID              another default model',
      '--allow-effects         run host tools marked effects live (a fork refuses them by default)',
      '--detach                start the fork for a running worker (llmspell worker, or yours with its host tools) and print its run id',
      '--id RUN-ID             the fork\'s id; default <run-id>-fork-<random>',
      '--task-queue NAME       task queue; default llmspell',
      '--json                  print {"runId", "status", "result" | "error"}',
    ],
  },
  upgrade: {
    synopsis: 'upgrade <run-id> --source FILE [options]',
    summary: 'move a running spell to a changed source: it replays the run\'s journal offline, and if it agrees the run switches at its next boundary; if not, nothing changes and the divergent call is named',
    flags: ['--source FILE           the changed spell', '--json                  print {"runId", "status": "upgraded", "sourceHash", "checkedCalls"}'],
  },
  check: {
    synopsis: 'check <file> --runs QUERY [options]',
    summary: 'replay a changed spell offline against every recorded run the visibility query matches; report which would diverge and where (exit 4 if any)',
    flags: [
      '--runs QUERY            a Temporal visibility query (e.g. "llmspellSpell = \'triage.lua\' AND ExecutionStatus = \'Running\'")',
      '--limit N               most runs checked; default 100',
      '--json                  print {"file", "query", "runs": [...], "diverging"}',
    ],
  },
  export: {
    synopsis: 'export <run-id> [--output FILE] [options]',
    summary: 'write everything needed to audit and replay a run offline: source, input, journal, chain hashes, engine and model, usage (JSON, on stdout)',
    flags: ['--output FILE, -o FILE  write to FILE instead of stdout'],
  },
};

const CONNECTION_FLAGS = [
  '--address HOST:PORT     Temporal\'s frontend; default TEMPORAL_ADDRESS, the profile\'s, else a local dev server',
  '--namespace NAME        default TEMPORAL_NAMESPACE, the profile\'s, else default',
  '--profile NAME          profile of temporal.toml (TEMPORAL_CONFIG_FILE); default TEMPORAL_PROFILE, else default',
  '-h, --help              this help',
];

const FOOTER = `Temporal: the settings the \`temporal\` CLI reads (a temporal.toml profile; TEMPORAL_ADDRESS,
TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS*, ...); with no address, a local dev server is
started from the \`temporal\` CLI (database under $LLMSPELL_HOME, default ~/.llmspell).
Exit codes: 0 success, 1 spell failed (or Temporal unreachable), 2 bad input or usage, 3 limit or budget hit, 4 nondeterminism.`;

export function commandUsage(name: string): string {
  const usage = COMMAND_USAGE[name]!;
  const lines = [`usage: llmspell ${usage.synopsis}`, '', `${usage.summary}.`];
  if (usage.flags?.length) lines.push('', 'options:', ...usage.flags.map((flag) => `  ${flag}`));
  lines.push('', 'connection options:', ...CONNECTION_FLAGS.map((flag) => `  ${flag}`));
  if (usage.notes) lines.push('', usage.notes);
  lines.push('', FOOTER);
  return lines.join('\n');
}

export function overview(): string {
  const width = Math.max(...Object.values(COMMAND_USAGE).map((u) => u.synopsis.length)) + 2;
  return [
    'usage: llmspell <command> [options]      (llmspell <command> --help for its options)',
    '',
    ...Object.values(COMMAND_USAGE).map((u) => `  ${u.synopsis.padEnd(width)}${u.summary}`),
    '',
    '  --version               print the version',
    '',
    FOOTER,
  ].join('\n');
}
