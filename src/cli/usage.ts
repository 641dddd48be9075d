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
    synopsis: 'history <run-id> [options]',
    summary: 'print a run\'s journal as a tree (branches, child spells, continued runs) with durations, tokens and cost, then totals',
    flags: [
      '--events                list the run\'s events instead (event.emit and the bridge\'s), read from history',
      '--kind KIND             with --events: script (event.emit), or llm, tool, agent, hook (the bridge\'s)',
      '--name NAME             with --events: events of this name; * matches any characters (llm.*)',
      '--json                  print one JSON document',
    ],
  },
  replay: {
    synopsis: 'replay <run-id> [--source FILE] [options]',
    summary: 're-execute a run offline against its journal (no model or tool calls); with --source, check a changed spell against it',
    flags: ['--source FILE           the changed spell to check', '--json                  print one JSON document'],
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
