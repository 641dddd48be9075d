/**
 * Audit commands as a user runs them: fork a run at a journal entry, upgrade a parked run to a
 * changed source, check a changed spell against recorded runs, export a run and replay and
 * verify it with no server — and a changed export caught at the exact entry.
 * Every --json output is checked against its schema in src/cli/schemas.ts.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { CheckOutput, DescribeOutput, ErrorOutput, HistoryOutput, ReplayOutput, RunOutput, StartOutput, UpgradeOutput, VerifyOutput } from '../../src/cli/schemas.ts';
import type { RunExport } from '../../src/cli/export.ts';
import { spellSignal } from '../../src/workflows/api.ts';
import { llmspell } from '../helpers/cli.ts';
import { startProviderServer, type ProviderServer, type RecordedRequest } from '../helpers/provider-server.ts';
import { repoRoot, startTestWorker, type TestWorker } from '../helpers/worker.ts';

const dir = mkdtempSync(join(tmpdir(), 'llmspell-audit-'));
function spell(name: string, source: string): string {
  const file = join(dir, name);
  writeFileSync(file, source);
  return file;
}
const json = (text: string): unknown => JSON.parse(text);
/** The test workers' External Storage, so the CLI decodes what they stored. */
const storageEnv = { LLMSPELL_STORAGE: 'file', LLMSPELL_STORAGE_DIR: join(repoRoot, '.llmspell/test-payloads') };
const queue = () => ['--task-queue', `audit-${randomUUID()}`];

/** The prompt of a Chat Completions request: its last user message. */
const promptOf = (request: RecordedRequest) => {
  const messages = request.body.messages as Array<{ role: string; content: string }>;
  return messages.filter((m) => m.role === 'user').at(-1)?.content;
};

describe('fork', () => {
  let server: ProviderServer;
  let env: Record<string, string>;
  const twenty = spell('twenty.lua', ['local out = {}', 'for i = 1, 20 do', '  out[i] = llm.generate{ prompt = "q" .. i }.text', 'end', 'return out'].join('\n'));
  // The fix: calls from #12 on ask differently.
  const fixed = spell(
    'twenty-fixed.lua',
    ['local out = {}', 'for i = 1, 20 do', '  local prompt = i <= 12 and ("q" .. i) or ("fixed q" .. i)', '  out[i] = llm.generate{ prompt = prompt }.text', 'end', 'return out'].join('\n'),
  );
  const id = `twenty-${randomUUID()}`;

  beforeAll(async () => {
    server = await startProviderServer();
    env = { ...storageEnv, OPENAI_COMPATIBLE_BASE_URL: `${server.url}/v1` };
    const ran = await llmspell(['run', twenty, '--id', id, '--model', 'openai-compatible:fake', '--json', ...queue()], { env });
    expect(RunOutput.parse(json(ran.stdout)).status).toBe('completed');
  });

  afterAll(async () => {
    await server?.close();
  });

  it('at N of a 20-call run makes exactly 20 − N model calls, and ends as a fresh run of the changed spell does', async () => {
    expect(server.requests).toHaveLength(20);
    const forked = await llmspell(['fork', id, '--at', '12', '--source', fixed, '--json', ...queue()], { env });
    expect(forked.code).toBe(0);
    const fork = RunOutput.parse(json(forked.stdout));
    expect(fork.status).toBe('completed');
    expect(fork.runId).toMatch(new RegExp(`^${id}-fork-`));
    // Calls #0…#11 replayed from the original; only #12…#19 reached the model.
    expect(server.requests.slice(20).map(promptOf)).toEqual(Array.from({ length: 8 }, (_, i) => `fixed q${i + 13}`));

    const fresh = RunOutput.parse(json((await llmspell(['run', fixed, '--model', 'openai-compatible:fake', '--json', ...queue()], { env })).stdout));
    expect(fresh.status).toBe('completed');
    expect(fork.status === 'completed' && fresh.status === 'completed' && fork.result).toEqual(fresh.status === 'completed' && fresh.result);

    // The fork records its origin; history marks where it diverges and counts only its own calls.
    const history = HistoryOutput.parse(json((await llmspell(['history', fork.runId, '--json'], { env })).stdout));
    expect(history.forkedFrom).toEqual({ workflowId: id, runId: expect.any(String), at: 12 });
    expect(history.timeline.map((n) => n.node)).toEqual([...Array(12).fill('call'), 'fork', ...Array(8).fill('call')]);
    expect(history.timeline[12]!.label).toBe(`forked from ${id} (run ${history.forkedFrom!.runId}) at #12: the calls above are copies, made by that run`);
    expect(history.usage.calls).toBe(8);
    expect((await llmspell(['history', fork.runId], { env })).stdout).toContain(`\n── forked from ${id} (run `);
    const described = DescribeOutput.parse(json((await llmspell(['describe', fork.runId, '--json'], { env })).stdout));
    expect(described.forkedFrom).toEqual(history.forkedFrom);
  });

  it('refuses a source that does not replay the copied calls, naming the call, and starts nothing', async () => {
    const before = server.requests.length;
    const refused = await llmspell(['fork', id, '--at', '15', '--source', fixed, '--json', ...queue()], { env });
    expect(refused.code).toBe(4);
    expect(ErrorOutput.parse(json(refused.stdout)).error).toEqual({
      type: 'SpellNondeterminism',
      message: expect.stringMatching(/^cannot fork \S+ at 15: call #12: history holds llm\.generate "openai-compatible:fake" \(args digest \w+\) but the script asked for llm\.generate "openai-compatible:fake" \(args digest \w+\)$/),
    });
    expect(server.requests.length).toBe(before);
    const tooFar = await llmspell(['fork', id, '--at', '21', '--json'], { env });
    expect(tooFar.code).toBe(2);
    expect(ErrorOutput.parse(json(tooFar.stdout)).error.message).toBe(`--at 21: run ${id} has 20 entries on its main line (#0…#19); fork at most at 20`);
  });
});

describe('fork and tools with effects', () => {
  let w: TestWorker;
  const sent: unknown[] = [];

  beforeAll(async () => {
    w = await startTestWorker({
      tools: {
        lookup: (args) => ({ found: args }),
        send_mail: { effects: true, execute: (args) => (sent.push(args), 'sent') },
      },
    });
  });
  afterAll(async () => {
    await w?.close();
  });

  it('a fork refuses to run a tool marked effects live unless --allow-effects; copied calls never run again', async () => {
    const source = [
      'local draft = llm.generate{ prompt = "draft" }.text',
      'local found = tool.call("lookup", { q = draft })',
      'local mail = tool.call("send_mail", { body = draft })',
      'return { draft = draft, mail = mail }',
    ].join('\n');
    const id = `mail-${randomUUID()}`;
    await (await w.start({ source, fileName: spell('mail.lua', source), workflowId: id })).result();
    expect(sent).toHaveLength(1);
    const fork = async (...flags: string[]) => {
      const started = await llmspell(['fork', id, ...flags, '--detach', '--task-queue', w.taskQueue, '--json'], { env: storageEnv });
      expect(started.code).toBe(0);
      return w.client.workflow.getHandle(StartOutput.parse(json(started.stdout)).runId).result();
    };
    const refused = await fork('--at', '1').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(WorkflowFailedError);
    const cause = (refused as WorkflowFailedError).cause as ApplicationFailure;
    expect(cause.type).toBe('EffectRefused');
    expect(cause.message).toBe(`mail.lua:3: tool "send_mail" is marked effects: this run is a fork of ${id}, which does not run such tools live unless started with --allow-effects`);
    expect(sent).toHaveLength(1);
    // Forked after the mail was sent, the fork replays it and sends nothing.
    expect(await fork('--at', '3')).toEqual({ draft: expect.any(String), mail: 'sent' });
    expect(sent).toHaveLength(1);
    expect(await fork('--at', '1', '--allow-effects')).toEqual({ draft: expect.any(String), mail: 'sent' });
    expect(sent).toHaveLength(2);
  });
});

describe('upgrade and check', () => {
  let w: TestWorker;
  const parked = ['local a = llm.generate{ prompt = "first" }.text', 'local go = signal.wait("go")', 'return { a = a, go = go, version = 1 }'].join('\n');
  // Compatible: a deliberate change to the first prompt behind spell.patched, and more work after the wait.
  const patched = [
    'local prompt = "first"',
    'if spell.patched("polite") then prompt = "please: first" end',
    'local a = llm.generate{ prompt = prompt }.text',
    'local go = signal.wait("go")',
    'local b = llm.generate{ prompt = "after" }.text',
    'return { a = a, go = go, b = b, version = 2 }',
  ].join('\n');
  // Incompatible: the first prompt changed with no patch.
  const changed = parked.replace('"first"', '"1st"');
  const files = { patched: spell('parked-v2.lua', patched), changed: spell('parked-changed.lua', changed) };

  beforeAll(async () => {
    w = await startTestWorker();
  });
  afterAll(async () => {
    await w?.close();
  });

  async function parkedRun(): Promise<string> {
    const id = `parked-${randomUUID()}`;
    await w.start({ source: parked, fileName: spell('parked.lua', parked), workflowId: id });
    await expect
      .poll(async () => DescribeOutput.parse(json((await llmspell(['describe', id, '--json'], { env: storageEnv })).stdout)).waitingOn, { timeout: 30_000 })
      .toBe('signal.wait go');
    return id;
  }

  it('moves a run parked on signal.wait to a compatible source: it completes with the new code, and history records the switch', async () => {
    const id = await parkedRun();
    const upgraded = await llmspell(['upgrade', id, '--source', files.patched, '--json'], { env: storageEnv });
    expect(upgraded.code).toBe(0);
    expect(UpgradeOutput.parse(json(upgraded.stdout))).toEqual({ runId: id, status: 'upgraded', sourceHash: expect.any(String), checkedCalls: 1 });
    const handle = w.client.workflow.getHandle(id);
    await handle.signal(spellSignal, { name: 'go', payload: 'yes' });
    // The journal held the unpatched prompt: the run keeps it; the new code runs after the wait.
    expect(await handle.result()).toEqual({ a: 'echo: first', go: 'yes', b: 'echo: after', version: 2 });
    const history = HistoryOutput.parse(json((await llmspell(['history', id, '--json'], { env: storageEnv })).stdout));
    expect(history.upgrades).toEqual([{ at: expect.any(String), sourceHash: UpgradeOutput.parse(json(upgraded.stdout)).sourceHash, chains: { '': 1 } }]);
    expect(history.timeline.map((n) => n.node)).toEqual(['call', 'upgrade', 'call', 'call']);
    // A new run of the patched spell takes the new path.
    const fresh = await w.start({ source: patched, fileName: files.patched });
    await fresh.signal(spellSignal, { name: 'go', payload: 'now' });
    expect(await fresh.result()).toMatchObject({ a: 'echo: please: first', version: 2 });
  });

  it('refuses an incompatible source, naming the call, and the run goes on with its own code', async () => {
    const id = await parkedRun();
    const refused = await llmspell(['upgrade', id, '--source', files.changed, '--json'], { env: storageEnv });
    expect(refused.code).toBe(4);
    expect(ErrorOutput.parse(json(refused.stdout)).error).toEqual({
      type: 'SpellNondeterminism',
      message: expect.stringMatching(new RegExp(`^upgrade of ${id} refused, nothing changed: \\S+parked-changed\\.lua does not replay the run's 1 journaled calls: call #0: history holds llm\\.generate "offline:echo"`)),
    });
    const handle = w.client.workflow.getHandle(id);
    await handle.signal(spellSignal, { name: 'go', payload: 'yes' });
    expect(await handle.result()).toEqual({ a: 'echo: first', go: 'yes', version: 1 });
    const ended = await llmspell(['upgrade', id, '--source', files.patched, '--json'], { env: storageEnv });
    expect(ended.code).toBe(2);
    expect(ErrorOutput.parse(json(ended.stdout)).error.type).toBe('RunEnded');
  });

  it('check replays a changed spell against every matching run and reports which would diverge and where', async () => {
    const running = await parkedRun();
    const done = await parkedRun();
    const handle = w.client.workflow.getHandle(done);
    await handle.signal(spellSignal, { name: 'go', payload: 1 });
    await handle.result();
    const query = `WorkflowId = '${running}' OR WorkflowId = '${done}'`;
    await expect.poll(async () => CheckOutput.parse(json((await llmspell(['check', files.changed, '--runs', query, '--json'], { env: storageEnv })).stdout)).runs.length, { timeout: 20_000 }).toBe(2);

    const incompatible = await llmspell(['check', files.changed, '--runs', query, '--json'], { env: storageEnv });
    expect(incompatible.code).toBe(4);
    const report = CheckOutput.parse(json(incompatible.stdout));
    expect(report.diverging).toBe(2);
    for (const run of report.runs) expect(run).toMatchObject({ status: 'diverges', error: { type: 'SpellNondeterminism', message: expect.stringMatching(/^call #0: /) } });

    const compatible = CheckOutput.parse(json((await llmspell(['check', files.patched, '--runs', query, '--json'], { env: storageEnv })).stdout));
    const byId = Object.fromEntries(compatible.runs.map((run) => [run.runId, run]));
    // The parked run replays and goes on; the completed one ended where the new spell asks for more.
    expect(byId[running]).toMatchObject({ status: 'compatible', runStatus: 'running', at: '1' });
    expect(byId[done]).toMatchObject({ status: 'diverges', runStatus: 'completed', error: { message: 'call #2: the run ended, but the changed spell asks for another call' } });
    const text = (await llmspell(['check', files.patched, '--runs', query], { env: storageEnv })).stdout;
    expect(text).toMatch(/^CHECK +RUN +STATUS +CALLS +WHERE\n/);
    expect(text).toContain('1 of 2 runs would diverge under');
    await w.client.workflow.getHandle(running).terminate('test done');
  });
});

describe('export, replay --file, history --verify', () => {
  let w: TestWorker;
  let id: string;
  let file: string;
  /** Pointed at nothing: these commands must not need a server. */
  const offline = { plain: false, env: { TEMPORAL_ADDRESS: '127.0.0.1:1' } };

  beforeAll(async () => {
    w = await startTestWorker();
    const source = [
      'local a = llm.generate{ prompt = "one" }.text',
      'local both = parallel({ function() return llm.generate{ prompt = "left" }.text end, function() return llm.generate{ prompt = "right" }.text end })',
      'state.set("a", a)',
      'local b = llm.generate{ prompt = "two" }.text',
      'return { a = a, both = both, b = b }',
    ].join('\n');
    id = `audit-${randomUUID()}`;
    await (await w.start({ source, fileName: spell('audited.lua', source), workflowId: id })).result();
    file = join(dir, `${id}.json`);
    const exported = await llmspell(['export', id], { env: storageEnv });
    expect(exported.code).toBe(0);
    writeFileSync(file, exported.stdout);
  });
  afterAll(async () => {
    await w?.close();
  });

  const edited = (name: string, edit: (run: RunExport['runs'][number]) => void): string => {
    const data = JSON.parse(readFileSync(file, 'utf8')) as RunExport;
    edit(data.runs[0]!);
    const out = join(dir, name);
    writeFileSync(out, JSON.stringify(data));
    return out;
  };

  it('exports source, input, journal, chain hashes, engine, model and usage', () => {
    const data = JSON.parse(readFileSync(file, 'utf8')) as RunExport;
    expect(data).toMatchObject({ format: 'llmspell-run-export', version: 1, workflowId: id, status: 'COMPLETED', usage: { calls: 4 } });
    expect(data.runs).toHaveLength(1);
    expect(data.runs[0]).toMatchObject({ engine: 'lua', model: 'offline:echo', spell: { source: expect.stringContaining('parallel') }, result: { a: 'echo: one' } });
    expect(Object.keys(data.runs[0]!.chains).sort()).toEqual(['', '1/0', '1/1']);
    expect(Object.keys(data.runs[0]!.chainHashes).sort()).toEqual(['', '1/0', '1/1']);
  });

  it('replays and verifies the export with no Temporal server', async () => {
    const replayed = await llmspell(['replay', '--file', file, '--json'], offline);
    expect(replayed.code).toBe(0);
    expect(ReplayOutput.parse(json(replayed.stdout))).toEqual({ runId: id, status: 'replayed', calls: 5, result: expect.objectContaining({ b: 'echo: two' }), matches: true });
    const verified = await llmspell(['history', '--verify', '--file', file, '--json'], offline);
    expect(verified.code).toBe(0);
    expect(VerifyOutput.parse(json(verified.stdout))).toEqual({ runId: id, status: 'verified', runs: [{ runId: expect.any(String), chains: 3, entries: 5, unchained: 0 }] });
    expect((await llmspell(['history', '--verify', '--file', file], offline)).stdout).toBe(
      `verified ${id}: 5 journal entries in 3 chains; each links to the one before it by prevHash, and re-derives from the recorded arguments on replay\n`,
    );
    // The same checks against the server's history.
    expect(VerifyOutput.parse(json((await llmspell(['history', id, '--verify', '--json'], { env: storageEnv })).stdout)).status).toBe('verified');
  });

  it.each([
    ['a result in the middle of the main line', '1', (run: RunExport['runs'][number]) => (run.chains['']![1]!.result = ['changed', 'answers'])],
    ['the first entry of a branch', '1/0/0', (run: RunExport['runs'][number]) => ((run.chains['1/0']![0]!.result as { text: string }).text = 'changed')],
    ['the last entry', '2', (run: RunExport['runs'][number]) => ((run.chains['']![2]!.result as { text: string }).text = 'echo: 2')],
  ])('names the entry when %s was changed', async (_what, path, edit) => {
    const tampered = edited(`tampered-${path.replace(/\//g, '_')}.json`, edit);
    const verified = await llmspell(['history', '--verify', '--file', tampered, '--json'], offline);
    expect(verified.code).toBe(4);
    const report = VerifyOutput.parse(json(verified.stdout));
    expect(report).toMatchObject({ status: 'failed', error: { type: 'SpellJournalMismatch', where: path, message: expect.stringMatching(new RegExp(`^entry #${path}: the entry was changed after it was journaled`)) } });
    expect((await llmspell(['history', '--verify', '--file', tampered], offline)).stderr).toContain(`failed verification at #${path}: SpellJournalMismatch`);
  });

  it('a file that is not an export is a ConfigError naming the field', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ format: 'llmspell-run-export', version: 1, workflowId: 'x' }));
    const r = await llmspell(['replay', '--file', bad, '--json'], offline);
    expect(r.code).toBe(2);
    expect(ErrorOutput.parse(json(r.stdout)).error).toEqual({ type: 'ConfigError', message: expect.stringMatching(/bad\.json: not an llmspell run export: status: /) });
  });
});
