/**
 * Ops commands as a user runs them: help and version, the worker's flags, finding runs
 * (list, describe), stopping them (cancel, terminate), the timeline and events (history).
 * Every --json output is checked against its schema in src/cli/schemas.ts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  CancelOutput,
  DescribeOutput,
  ErrorOutput,
  HistoryEventsOutput,
  HistoryOutput,
  ListOutput,
  RunOutput,
  SignalOutput,
  StartOutput,
  TerminateOutput,
  VersionOutput,
  WorkerOutput,
  type TimelineNode,
} from '../../src/cli/schemas.ts';
import { llmspell } from '../helpers/cli.ts';
import { repoRoot, startTestWorker, type TestWorker } from '../helpers/worker.ts';

const dir = mkdtempSync(join(tmpdir(), 'llmspell-ops-'));
function spell(name: string, source: string): string {
  const file = join(dir, name);
  writeFileSync(file, source);
  return file;
}
const json = (text: string): unknown => JSON.parse(text);
const approve = join(repoRoot, 'test/fixtures/spells/approve.lua');
/** The test workers' External Storage, so the CLI decodes what they stored. */
const storageEnv = { LLMSPELL_STORAGE: 'file', LLMSPELL_STORAGE_DIR: join(repoRoot, '.llmspell/test-payloads') };

describe('help and version', () => {
  it('--help, <command> --help and -h print usage and exit 0; --version prints package.json\'s', async () => {
    const [top, run, history, version, versionJson] = await Promise.all([
      llmspell(['--help']),
      llmspell(['run', '--help']),
      llmspell(['history', 'some-run', '-h']),
      llmspell(['--version']),
      llmspell(['--version', '--json']),
    ]);
    expect(top.code).toBe(0);
    for (const command of ['run', 'start', 'worker', 'signal', 'list', 'describe', 'cancel', 'terminate', 'history', 'replay']) expect(top.stdout).toContain(`  ${command} `);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^usage: llmspell run <file> \[options\]/);
    expect(run.stdout).toContain('--max-concurrent-steps N');
    expect(run.stdout).toContain('--profile NAME');
    expect(history.code).toBe(0);
    expect(history.stdout).toContain('--kind KIND');
    const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string };
    expect(version.stdout).toBe(`llmspell ${pkg.version}\n`);
    expect(VersionOutput.parse(json(versionJson.stdout))).toEqual({ version: pkg.version });
  });

  it.each([
    [['list', '--bogus'], /Unknown option '--bogus'/],
    [['list', '--status', 'sleepy'], /--status: expected one of running, completed/],
    [['list', '--limit', '0'], /--limit: expected a positive integer/],
    [['worker', '--max-concurrent-steps', 'many'], /--max-concurrent-steps: expected a positive integer, got "many"/],
    [['worker', 'extra'], /worker takes no arguments, got "extra"/],
    [['start', approve, '--max-concurrent-steps', '2'], /--max-concurrent-steps: this command runs no worker/],
    [['history', 'x', '--kind', 'llm'], /--kind: filters events; add --events/],
    [['describe'], /expected: describe <run-id>/],
  ])('bad usage %j: exit 2, the flag named, one JSON document with --json', async (args, message) => {
    const r = await llmspell([...args, '--json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(ErrorOutput.parse(json(r.stdout)).error).toMatchObject({ type: 'UsageError', message: expect.stringMatching(message) });
  });
});

describe('worker, list, describe, cancel, terminate', () => {
  const taskQueue = `ops-${randomUUID()}`;
  let worker: ChildProcess;

  beforeAll(async () => {
    worker = spawn(join(repoRoot, 'llmspell'), ['worker', '--task-queue', taskQueue, '--namespace', 'default', '--max-concurrent-steps', '3', '--json'], {
      env: { ...process.env, TEMPORAL_ADDRESS: inject('temporalAddress') },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    // One JSON document once it polls.
    const ready = await new Promise<string>((resolve, reject) => {
      let out = '';
      worker.stdout!.on('data', (d: Buffer) => (out += d.toString()).includes('\n') && resolve(out));
      worker.once('exit', (code) => reject(new Error(`the worker exited (${code}) before it was ready`)));
    });
    expect(WorkerOutput.parse(json(ready))).toEqual({ status: 'running', address: inject('temporalAddress'), namespace: 'default', taskQueue, maxConcurrentSteps: 3 });
  });

  afterAll(() => {
    worker?.kill('SIGINT');
  });

  it('lists runs by status, spell file and query, one row each from visibility', async () => {
    const id = `list-${randomUUID()}`;
    const ran = await llmspell(['run', join(repoRoot, 'examples/hello.lua'), '--id', id, '--json', '--task-queue', `ops-run-${randomUUID()}`, '--max-concurrent-steps', '2']);
    expect(RunOutput.parse(json(ran.stdout)).status).toBe('completed');
    const query = ['--query', `WorkflowId = '${id}'`, '--json'];
    await expect.poll(async () => ListOutput.parse(json((await llmspell(['list', '--status', 'completed', ...query])).stdout)).runs.length, { timeout: 20_000 }).toBe(1);
    const listed = ListOutput.parse(json((await llmspell(['list', '--spell', 'hello.lua', '--status', 'completed', ...query])).stdout));
    expect(listed.query).toBe(`WorkflowType = 'spellWorkflow' AND ExecutionStatus = 'Completed' AND llmspellSpell = 'hello.lua' AND (WorkflowId = '${id}')`);
    expect(listed.runs[0]).toMatchObject({ runId: id, status: 'completed', spell: 'hello.lua', engine: 'lua', tokens: 27, costUsd: 0, parent: null });
    expect(listed.runs[0]!.historyEvents).toBeGreaterThan(10);
    expect((await llmspell(['list', '--status', 'running', ...query])).stdout).toBe(`{"query":"WorkflowType = 'spellWorkflow' AND ExecutionStatus = 'Running' AND (WorkflowId = '${id}')","runs":[]}\n`);
    const text = await llmspell(['list', '--query', `WorkflowId = '${id}'`]);
    expect(text.stdout).toMatch(/^STATUS +RUN +SPELL +ENGINE +STARTED \(UTC\) +DURATION +EVENTS +TOKENS +COST\ncompleted +list-\S+ +hello\.lua +lua +\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ +[\d.]+ m?s +\d+ +27 +\$0\.0000\n$/);
    const bad = await llmspell(['list', '--query', 'WorkflowId ==== x', '--json']);
    expect(bad.code).toBe(2);
    expect(ErrorOutput.parse(json(bad.stdout)).error.message).toMatch(/^--query: Temporal rejected "WorkflowId ==== x"/);

    // describe of the completed run: from its history (no worker needed).
    const described = DescribeOutput.parse(json((await llmspell(['describe', id, '--json'])).stdout));
    expect(described).toMatchObject({
      runId: id,
      status: 'completed',
      live: false,
      steps: 2,
      lastStep: { path: '1', kind: 'step', name: 'summarize' },
      pendingStep: null,
      state: { greeted: 'world' },
      usage: { total_tokens: 27, calls: 2 },
      result: { greeted: 'world' },
    });
    expect(described.events.map((e) => e.name)).toContain('greeting');
  });

  it('describes a running run live, waiting on a signal; signal and cancel it', async () => {
    const waits = spell('waits.lua', [
      'sleep(1)',
      'state.set("phase", "approval")',
      'local decision = signal.wait("approve")',
      'state.set("phase", "second")',
      'event.emit("approved", decision)',
      'return { decision = decision, second = signal.wait("second") }',
    ].join('\n'));
    const started = await llmspell(['start', waits, '--task-queue', taskQueue, '--json']);
    const { runId } = StartOutput.parse(json(started.stdout));
    await expect
      .poll(async () => DescribeOutput.parse(json((await llmspell(['describe', runId, '--json'])).stdout)).waitingOn, { timeout: 30_000 })
      .toBe('signal.wait approve');
    const live = DescribeOutput.parse(json((await llmspell(['describe', runId, '--json'])).stdout));
    expect(live).toMatchObject({ status: 'running', live: true, steps: 1, lastStep: { kind: 'sleep' }, state: { phase: 'approval' }, spell: 'waits.lua', engine: 'lua', taskQueue });
    const text = await llmspell(['describe', runId]);
    expect(text.stdout).toContain(`status    running — waiting on signal.wait approve (send it: llmspell signal ${runId} approve '<json>')`);
    expect(text.stdout).toContain('source    live');

    expect(SignalOutput.parse(json((await llmspell(['signal', runId, 'approve', '{"ok":true}', '--json'])).stdout))).toEqual({ runId, signal: 'approve', status: 'sent' });
    await expect
      .poll(async () => DescribeOutput.parse(json((await llmspell(['describe', runId, '--json'])).stdout)).waitingOn, { timeout: 30_000 })
      .toBe('signal.wait second');
    const second = DescribeOutput.parse(json((await llmspell(['describe', runId, '--json'])).stdout));
    expect(second).toMatchObject({ steps: 2, state: { phase: 'second' }, events: [{ name: 'approved', data: { ok: true } }] });
    expect(CancelOutput.parse(json((await llmspell(['cancel', runId, '--json'])).stdout))).toEqual({ runId, status: 'cancel-requested' });
    await expect.poll(async () => DescribeOutput.parse(json((await llmspell(['describe', runId, '--json'])).stdout)).status, { timeout: 30_000 }).toBe('canceled');
    const ended = DescribeOutput.parse(json((await llmspell(['describe', runId, '--json'])).stdout));
    expect(ended.error?.type).toBe('SpellCancelled');
    const again = await llmspell(['cancel', runId, '--json']);
    expect(again.code).toBe(2);
    expect(ErrorOutput.parse(json(again.stdout)).error).toEqual({ type: 'RunEnded', message: `run "${runId}" has already ended (canceled)` });
  });

  it('describes a run no worker polls from its history, and terminates it with a reason', async () => {
    const { runId } = StartOutput.parse(json((await llmspell(['start', approve, '--task-queue', `nobody-${randomUUID()}`, '--json'])).stdout));
    const described = DescribeOutput.parse(json((await llmspell(['describe', runId, '--json'])).stdout));
    expect(described).toMatchObject({ status: 'running', live: false, waitingOn: null, steps: 0, state: {}, events: [] });
    expect((await llmspell(['describe', runId])).stdout).toContain("source    history (no worker answered the run's queries)");
    expect(TerminateOutput.parse(json((await llmspell(['terminate', runId, '--reason', 'ops: stuck', '--json'])).stdout))).toEqual({ runId, status: 'terminated', reason: 'ops: stuck' });
    const ended = DescribeOutput.parse(json((await llmspell(['describe', runId, '--json'])).stdout));
    expect(ended).toMatchObject({ status: 'terminated', error: { message: 'ops: stuck' } });
    const missing = await llmspell(['terminate', `missing-${randomUUID()}`, '--json']);
    expect(missing.code).toBe(2);
    expect(ErrorOutput.parse(json(missing.stdout)).error.type).toBe('RunNotFound');
  });
});

describe('history: the timeline and the events', () => {
  let testWorker: TestWorker;
  let id: string;

  beforeAll(async () => {
    testWorker = await startTestWorker();
    spell('leaf.lua', 'event.emit("leaf", { name = spell.input.name })\nreturn llm.generate{ prompt = "leaf " .. spell.input.name }.text');
    const file = spell(
      'tree.lua',
      [
        'local a = llm.generate{ prompt = "root" }.text',
        'local results = parallel({',
        '  function() return llm.generate{ prompt = "left" }.text end,',
        '  function() return step("right", function() return llm.generate{ prompt = "right side" }.text end) end,',
        '})',
        'local leaf = spell.spawn("leaf.lua", { name = "Ada" }):wait()',
        'state.set("leaf", leaf)',
        'event.emit("done", { n = #results })',
        'return { a = a, results = results, leaf = leaf }',
      ].join('\n'),
    );
    id = `tree-${randomUUID()}`;
    // Prices make every model call cost something: $1 per thousand input and $2 per thousand output tokens.
    const handle = await testWorker.start({
      source: readFileSync(file, 'utf8'),
      fileName: file,
      workflowId: id,
      options: { prices: { 'offline:echo': { inputPerMTok: 1000, outputPerMTok: 2000 } } },
    });
    await handle.result();
  });

  afterAll(async () => {
    await testWorker?.close();
  });

  it('draws branches and children as a tree with durations, tokens and cost per node, and totals', async () => {
    const out = HistoryOutput.parse(json((await llmspell(['history', id, '--json'], { env: storageEnv })).stdout));
    const [root, parallel, spawn, wait] = out.timeline;
    const sum = (nodes: TimelineNode[]) => nodes.reduce((n, node) => n + node.tokens, 0);
    expect(root).toMatchObject({ node: 'call', path: '0', label: 'llm.generate offline:echo' });
    expect(root!.tokens).toBeGreaterThan(0);
    // $1 / 1000 input tokens, $2 / 1000 output tokens.
    expect(root!.costUsd).toBeGreaterThan(0);
    expect(parallel).toMatchObject({ node: 'call', path: '1', label: expect.stringMatching(/^parallel /) });
    expect(parallel!.children.map((b) => [b.node, b.path, b.label])).toEqual([
      ['branch', '1/0', 'branch 1'],
      ['branch', '1/1', 'branch 2'],
    ]);
    expect(parallel!.tokens).toBe(sum(parallel!.children));
    expect(parallel!.children[1]!.children[0]).toMatchObject({ label: 'step right', path: '1/1/0' });
    expect(spawn).toMatchObject({ label: 'spell.spawn leaf.lua', tokens: 0 });
    const child = spawn!.children[0]!;
    expect(child).toMatchObject({ node: 'child', label: `child ${id}/2 (leaf.lua, lua)`, status: 'COMPLETED' });
    expect(child.tokens).toBeGreaterThan(0);
    expect(child.children[0]).toMatchObject({ label: 'llm.generate offline:echo', tokens: child.tokens });
    expect(wait).toMatchObject({ label: expect.stringMatching(/^spell\.wait /), tokens: child.tokens });
    // Totals: every model call once, the child's included; the same as the run's memo.
    expect(out.usage.total_tokens).toBe(root!.tokens + parallel!.tokens + child.tokens);
    expect(out.usage.calls).toBe(4);
    expect(out.usage.cost).toBeCloseTo(root!.costUsd + parallel!.costUsd + child.costUsd, 9);
    const described = DescribeOutput.parse(json((await llmspell(['describe', id, '--json'], { env: storageEnv })).stdout));
    expect(described.usage).toEqual(out.usage);
    expect(described.children).toEqual([{ id: `${id}/2`, fileName: 'leaf.lua', engine: 'lua', status: 'completed' }]);
    expect(described.state).toEqual({ leaf: expect.stringContaining('leaf Ada') });
    expect(Object.keys(out.children)).toEqual([`${id}/2`]);

    const text = (await llmspell(['history', id], { env: storageEnv })).stdout;
    expect(text).toMatch(/^#0 llm\.generate offline:echo {2}\d+ ms {2}\d+ tokens {2}\$0\.\d{6} {2}attempt 1 {2}→ /m);
    expect(text).toMatch(/^ {2}├ branch 1 {2}\d+ ms {2}\d+ tokens {2}\$0\.\d+$/m);
    expect(text).toMatch(/^ {2}│ #1\/1\/0 step right {2}\d+ ms {2}\d+ tokens/m);
    expect(text).toMatch(new RegExp(`^ {2}child ${id}/2 \\(leaf\\.lua, lua\\) COMPLETED {2}[\\d.]+ m?s {2}\\d+ tokens {2}\\$0\\.\\d+$`, 'm'));
    expect(text).toMatch(/^ {4}#0 llm\.generate offline:echo /m);
    expect(text).toMatch(new RegExp(`\\ntotal: 6 calls, 1 child spell, [\\d.]+ m?s, ${out.usage.total_tokens} tokens, \\$0\\.\\d+\\nstatus: COMPLETED\\n$`));
  });

  it('lists the run\'s events from history, filtered by kind and name', async () => {
    const all = HistoryEventsOutput.parse(json((await llmspell(['history', id, '--events', '--json'], { env: storageEnv })).stdout));
    expect(all.runId).toBe(id);
    expect(new Set(all.events.map((e) => e.kind))).toEqual(new Set(['llm', 'script']));
    expect(all.events.filter((e) => e.chain === '1/0').map((e) => e.name)).toEqual(['llm.request', 'llm.response']);
    const script = HistoryEventsOutput.parse(json((await llmspell(['history', id, '--events', '--kind', 'script', '--json'], { env: storageEnv })).stdout));
    expect(script.events).toEqual([expect.objectContaining({ name: 'done', kind: 'script', chain: '', data: { n: 2 } })]);
    const responses = HistoryEventsOutput.parse(json((await llmspell(['history', id, '--events', '--name', 'llm.res*', '--json'], { env: storageEnv })).stdout));
    expect(responses.events.map((e) => e.name)).toEqual(['llm.response', 'llm.response', 'llm.response']);
    const text = (await llmspell(['history', id, '--events', '--kind', 'script'], { env: storageEnv })).stdout;
    expect(text).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z {2}script {2}done {2}\{"n":2\}\n$/);
  });
});
