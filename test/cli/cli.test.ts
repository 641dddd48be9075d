import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { repoRoot, testClient } from '../helpers/worker.ts';
import { llmspell } from '../helpers/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'llmspell-cli-'));
function spell(name: string, source: string): string {
  const file = join(dir, name);
  writeFileSync(file, source);
  return file;
}
const queue = () => ['--task-queue', `cli-${randomUUID()}`];

describe('llmspell run', () => {
  it('runs hello.lua with live step lines and prints the result', async () => {
    const r = await llmspell(['run', join(repoRoot, 'examples/hello.lua'), '--input', '{"name":"Ada"}', ...queue()]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/✓ #0 llm\.generate offline:echo {2}\d+ ms {2}\d+ tokens/);
    expect(r.stderr).toMatch(/✓ #1 step summarize {2}\d+ ms/);
    expect(JSON.parse(r.stdout)).toMatchObject({ greeting: 'echo: Say hello to Ada', greeted: 'Ada' });
  });

  it('runs hello.js and hello.tengo on their engines with the same result as hello.lua', async () => {
    const [lua, js, tengo] = await Promise.all(
      ['lua', 'js', 'tengo'].map((ext) => llmspell(['run', join(repoRoot, `examples/hello.${ext}`), '--input', '{"name":"Ada"}', '--json', ...queue()])),
    );
    for (const other of [js!, tengo!]) {
      expect(other.code, other.stderr).toBe(0);
      expect(JSON.parse(other.stdout).result).toEqual(JSON.parse(lua!.stdout).result);
      expect(JSON.parse(other.stdout).runId).toMatch(/^spell-hello-/);
    }
  });

  it('keeps stdout one JSON document while the Temporal core logs (a payload over its warning size, no External Storage)', async () => {
    const source = 'return #step("big", function() return string.rep("x", 1500000) end)';
    const r = await llmspell(['run', spell('big.lua', source), '--json', ...queue()], { env: { LLMSPELL_STORAGE: 'none', LLMSPELL_LOG_LEVEL: 'WARN' } });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ status: 'completed', result: 1500000 });
    // The core's warning went to stderr.
    expect(r.stderr).toMatch(/TMPRL1103/);
  });

  it('prints one JSON object with --json', async () => {
    const r = await llmspell(['run', join(repoRoot, 'examples/hello.lua'), '--json', ...queue()]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { runId: string; status: string; result: { greeted: string } };
    expect(out.status).toBe('completed');
    expect(out.runId).toMatch(/^spell-hello-/);
    expect(out.result.greeted).toBe('world');
  });

  it('hands the run its first workflow task in the start call (eager start), no poll in between', async () => {
    const r = await llmspell(['run', join(repoRoot, 'examples/hello.lua'), '--json', ...queue()]);
    expect(r.code, r.stderr).toBe(0);
    const { client, connection } = await testClient();
    try {
      const history = await client.workflow.getHandle(JSON.parse(r.stdout).runId).fetchHistory();
      expect(history.events?.[0]?.workflowExecutionStartedEventAttributes?.eagerExecutionAccepted).toBe(true);
    } finally {
      await connection.close();
    }
  });

  it.each([
    ['syntax error', 'local = 1', 2, /SpellSyntaxError: bad\.lua:1: .*near '='/],
    ['runtime error', 'local t = nil\nreturn t.x', 1, /SpellScriptError: bad\.lua:2: attempt to index a nil value \(local 't'\)/],
    ['bad bridge argument', 'local r = llm.generate{ prompt = "x", temperature = "hot" }\nreturn r', 2, /SpellBridgeArgument: bad\.lua:1: llm\.generate: field "temperature"/],
    ['unknown model', 'local r = llm.generate{ model = "acme:big", prompt = "x" }\nreturn r', 2, /UnknownModel: bad\.lua:1: model "acme:big": no provider "acme"/],
    ['time limit', 'while true do end', 3, /SpellTimeout: the script ran longer than its time limit of 300 ms/],
    ['a feature a step cannot use', 'return step("outer", function() local r = parallel({ function() return 1 end }); return r end)', 2, /NotSupported: bad\.lua:1: parallel cannot be used inside step "outer"/],
  ])('%s: clear message and exit code', async (_, source, code, message) => {
    const r = await llmspell(['run', spell('bad.lua', source), '--timeout', '300', '--json', ...queue()]);
    expect(r.code).toBe(code);
    const out = JSON.parse(r.stdout) as { status: string; error: { type: string; message: string } };
    expect(out.status).toBe('failed');
    expect(`${out.error.type}: ${out.error.message}`).toMatch(message);
  });

  it.each([
    [['run', 'missing.lua'], /cannot read missing\.lua: ENOENT/],
    [['run', join(repoRoot, 'examples/hello.lua'), '--input', '{oops'], /--input is not valid JSON/],
    [['run', spell('x.py', 'print(1)')], /x\.py: cannot tell the engine from the extension "\.py"/],
    [['run', join(repoRoot, 'examples/hello.lua'), '--timeout', 'soon'], /--timeout: expected a positive integer/],
    [['frobnicate'], /unknown command "frobnicate"/],
    [['replay'], /expected: replay <run-id>/],
  ])('bad usage %j exits 2 with a message', async (args, message) => {
    const r = await llmspell(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  it('carries out sleep and signal.wait (with and without timeout) for a CLI-started run', async () => {
    const id = `approve-${randomUUID()}`;
    const running = llmspell(['run', join(repoRoot, 'test/fixtures/spells/approve.lua'), '--id', id, '--json', ...queue()]);
    // Signal until the run exists and takes it (signals before the wait are buffered by name).
    await expect
      .poll(async () => (await llmspell(['signal', id, 'approve', '{"by":"ops","ok":true}'])).code, { timeout: 20_000 })
      .toBe(0);
    const r = await running;
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ runId: id, status: 'completed', result: { decision: { by: 'ops', ok: true }, late: true } });
    const history = await llmspell(['history', id]);
    expect(history.stdout).toMatch(/#0 sleep 1s .*\n#1 signal\.wait approve .*→ \{"by":"ops","ok":true\}\n#2 signal\.wait late .*→ null\ntotal: 3 calls, [\d.]+ m?s, 0 tokens, \$0\.0000\nstatus: COMPLETED/);
  });

  it('starts a spell with `start` for a separate `llmspell worker` process', async () => {
    const taskQueue = `cli-worker-${randomUUID()}`;
    const worker = spawn(join(repoRoot, 'llmspell'), ['worker', '--task-queue', taskQueue], {
      env: { ...process.env, TEMPORAL_ADDRESS: inject('temporalAddress') },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    try {
      const started = await llmspell(['start', join(repoRoot, 'examples/hello.js'), '--task-queue', taskQueue, '--json']);
      expect(started.code).toBe(0);
      const { runId, status } = JSON.parse(started.stdout) as { runId: string; status: string };
      expect(status).toBe('started');
      const { client, connection } = await testClient();
      expect(await client.workflow.getHandle(runId).result()).toMatchObject({ greeted: 'world' });
      await connection.close();
    } finally {
      worker.kill('SIGINT');
    }
  });

  it('replays a finished run offline, and reports where a changed spell diverges from its history', async () => {
    const id = `replay-${randomUUID()}`;
    const ran = await llmspell(['run', join(repoRoot, 'examples/hello.lua'), '--id', id, '--json', ...queue()]);
    expect(ran.code).toBe(0);
    const same = await llmspell(['replay', id]);
    expect(same.code).toBe(0);
    expect(same.stdout).toBe(`replayed 2 journaled calls of ${id} with no model or tool call; result matches history\n`);
    const changed = spell('hello-changed.lua', (await import('node:fs')).readFileSync(join(repoRoot, 'examples/hello.lua'), 'utf8').replace('You are a friendly greeter.', 'You are terse.'));
    const diverged = await llmspell(['replay', id, '--source', changed, '--json']);
    expect(diverged.code).toBe(4);
    expect(JSON.parse(diverged.stdout)).toMatchObject({
      status: 'failed',
      error: { type: 'SpellNondeterminism', message: expect.stringMatching(/^call #0: history holds llm\.generate "offline:echo" \(args digest \w+\) but the script asked for llm\.generate "offline:echo" \(args digest \w+\)$/) },
    });
  });
});
