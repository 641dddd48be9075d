import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, inject, it } from 'vitest';
import { startSpell } from '../../src/client.ts';
import { cacheDir, repoRoot, testClient } from '../helpers/worker.ts';

const children: ChildProcess[] = [];
afterAll(() => children.forEach((child) => child.kill('SIGKILL')));

function startWorkerProcess(env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--no-node-snapshot', join(repoRoot, 'test/fixtures/crash-worker.ts')], {
    env: { ...process.env, ...env, TEMPORAL_ADDRESS: inject('temporalAddress'), CACHE_DIR: cacheDir },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (data: Buffer) => data.toString().includes('ready') && resolve(child));
    child.once('exit', (code) => reject(new Error(`worker exited early (${code})`)));
  });
}

const CRASH_SPELLS = {
  lua: `
    local intro = llm.generate{ model = "counting:m", prompt = "intro" }
    local work = step("work", function()
      local a = llm.generate{ model = "counting:m", prompt = "inside the step" }
      local b = tool.call("slow", {})
      return { a = a.text, b = b }
    end)
    return { intro = intro.text, a = work.a, b = work.b }
  `,
  tengo: `
    intro := llm.generate({model: "counting:m", prompt: "intro"})
    work := step("work", func() {
      a := llm.generate({model: "counting:m", prompt: "inside the step"})
      b := tool.call("slow", {})
      return {a: a.text, b: b}
    })
    return {intro: intro.text, a: work.a, b: work.b}
  `,
} as const;

it.each(['lua', 'tengo'] as const)('resumes a step (%s) on a new worker after SIGKILL without repeating a completed model call', async (engine) => {
  const taskQueue = `crash-${randomUUID()}`;
  const callLog = join(mkdtempSync(join(tmpdir(), 'llmspell-crash-')), 'calls.log');
  const first = await startWorkerProcess({ TASK_QUEUE: taskQueue, CALL_LOG: callLog, SLOW_MS: '600000' });

  const { client, connection } = await testClient();
  const handle = await startSpell(client, {
    source: CRASH_SPELLS[engine],
    fileName: `crash.${engine}`,
    engine,
    taskQueue,
    options: { heartbeatTimeoutMs: 2000 },
  });

  // Wait until the step's completed model call is checkpointed in the activity's heartbeat.
  await expect
    .poll(
      async () => {
        const pending = (await handle.describe()).raw.pendingActivities?.[0];
        const data = pending?.heartbeatDetails?.payloads?.[0]?.data;
        if (!data) return 0;
        return (JSON.parse(Buffer.from(data).toString()) as { children: unknown[] }).children.length;
      },
      { timeout: 20_000, interval: 100 },
    )
    .toBe(1);
  expect(readFileSync(callLog, 'utf8')).toBe('model intro\nmodel inside the step\nslow start\n');

  first.kill('SIGKILL');
  await startWorkerProcess({ TASK_QUEUE: taskQueue, CALL_LOG: callLog, SLOW_MS: '10' });

  expect(await handle.result()).toEqual({ intro: 'answer to intro', a: 'answer to inside the step', b: 'slow done' });
  // Each model call ran once; only the tool that was in flight when the worker died ran again.
  expect(readFileSync(callLog, 'utf8')).toBe('model intro\nmodel inside the step\nslow start\nslow start\n');
  await connection.close();
});

it('resumes an agent run on a new worker after SIGKILL without repeating a completed model or tool call', async () => {
  const taskQueue = `crash-agent-${randomUUID()}`;
  const callLog = join(mkdtempSync(join(tmpdir(), 'llmspell-crash-')), 'calls.log');
  const first = await startWorkerProcess({ TASK_QUEUE: taskQueue, CALL_LOG: callLog, SLOW_MS: '600000' });
  const { client, connection } = await testClient();
  const source = `
    local a = agent.create{ name = "worker", model = "counting:agentic", instructions = "Use the tools.", tools = { "quick", "slow" }, max_steps = 5 }
    local r = a:run("go")
    return { text = r.text, steps = #r.steps }
  `;
  const handle = await startSpell(client, { source, fileName: 'agent-crash.lua', engine: 'lua', taskQueue, options: { heartbeatTimeoutMs: 2000 } });
  // Two model answers and the quick tool's result are saved; the slow tool is running.
  await expect
    .poll(
      async () => {
        const data = (await handle.describe()).raw.pendingActivities?.[0]?.heartbeatDetails?.payloads?.[0]?.data;
        if (!data) return '';
        const saved = JSON.parse(Buffer.from(data).toString()) as { effect?: { progress: { model: unknown[]; tools: object } } };
        return saved.effect ? `${saved.effect.progress.model.length} model, ${Object.keys(saved.effect.progress.tools).length} tools` : '';
      },
      { timeout: 20_000, interval: 100 },
    )
    .toBe('2 model, 1 tools');
  first.kill('SIGKILL');
  await startWorkerProcess({ TASK_QUEUE: taskQueue, CALL_LOG: callLog, SLOW_MS: '10' });
  expect(await handle.result()).toEqual({ text: 'agent done', steps: 3 });
  // Each model call and the quick tool ran once; only the slow tool, in flight at the kill, ran again.
  expect(readFileSync(callLog, 'utf8')).toBe('agent model 0\nquick\nagent model 1\nslow start\nslow start\nagent model 2\n');
  await connection.close();
});

/** The checkpoints of a run's pending activities: how many effects each has completed inside its step. */
async function checkpointed(client: Awaited<ReturnType<typeof testClient>>['client'], workflowId: string): Promise<number[]> {
  const pending = (await client.workflow.getHandle(workflowId).describe()).raw.pendingActivities ?? [];
  return pending.map((activity) => {
    const data = activity.heartbeatDetails?.payloads?.[0]?.data;
    return data ? (JSON.parse(Buffer.from(data).toString()) as { children?: unknown[] }).children?.length ?? 0 : 0;
  });
}

/** A step that makes a model call, then runs the slow tool: killed while the tool runs. */
const branchStep = (name: string) => `step("${name}", function()
  local a = llm.generate{ model = "counting:m", prompt = "${name}" }.text
  return a .. " / " .. tool.call("slow", {})
end)`;

it('resumes three running branches on a new worker after SIGKILL, repeating no completed model call in any branch', async () => {
  const taskQueue = `crash-branches-${randomUUID()}`;
  const callLog = join(mkdtempSync(join(tmpdir(), 'llmspell-crash-')), 'calls.log');
  const first = await startWorkerProcess({ TASK_QUEUE: taskQueue, CALL_LOG: callLog, SLOW_MS: '600000' });
  const { client, connection } = await testClient();
  const source = `return parallel({
    function() return ${branchStep('b1')} end,
    function() return ${branchStep('b2')} end,
    function() return ${branchStep('b3')} end,
  })`;
  const handle = await startSpell(client, { source, fileName: 'branches.lua', engine: 'lua', taskQueue, options: { heartbeatTimeoutMs: 2000 } });
  // Every branch has its model call checkpointed and its slow tool running.
  await expect.poll(async () => (await checkpointed(client, handle.workflowId)).join(','), { timeout: 30_000, interval: 100 }).toBe('1,1,1');
  first.kill('SIGKILL');
  await startWorkerProcess({ TASK_QUEUE: taskQueue, CALL_LOG: callLog, SLOW_MS: '10' });
  expect(await handle.result()).toEqual(['answer to b1 / slow done', 'answer to b2 / slow done', 'answer to b3 / slow done']);
  const calls = readFileSync(callLog, 'utf8').trim().split('\n').sort();
  // Each model call ran once; only the tools in flight at the kill ran again.
  expect(calls).toEqual(['model b1', 'model b2', 'model b3', 'slow start', 'slow start', 'slow start', 'slow start', 'slow start', 'slow start']);
  await connection.close();
});

it('resumes a child spell in the middle of its step on a new worker after SIGKILL', async () => {
  const taskQueue = `crash-child-${randomUUID()}`;
  const callLog = join(mkdtempSync(join(tmpdir(), 'llmspell-crash-')), 'calls.log');
  const first = await startWorkerProcess({ TASK_QUEUE: taskQueue, CALL_LOG: callLog, SLOW_MS: '600000' });
  const { client, connection } = await testClient();
  const source = `
    local intro = llm.generate{ model = "counting:m", prompt = "parent" }.text
    local child = spell.spawn({ engine = "lua", source = [[ return ${branchStep('child')} ]] })
    return { intro = intro, child = child:wait() }
  `;
  const handle = await startSpell(client, { source, fileName: 'parent.lua', engine: 'lua', taskQueue, options: { heartbeatTimeoutMs: 2000 } });
  const childId = `${handle.workflowId}/1`;
  await expect.poll(async () => (await checkpointed(client, childId).catch(() => [])).join(','), { timeout: 30_000, interval: 100 }).toBe('1');
  first.kill('SIGKILL');
  await startWorkerProcess({ TASK_QUEUE: taskQueue, CALL_LOG: callLog, SLOW_MS: '10' });
  expect(await handle.result()).toEqual({ intro: 'answer to parent', child: 'answer to child / slow done' });
  expect(readFileSync(callLog, 'utf8')).toBe('model parent\nmodel child\nslow start\nslow start\n');
  await connection.close();
});

it('resumes right after continue-as-new on a new worker after SIGKILL, with the state carried and nothing repeated', async () => {
  const taskQueue = `crash-continue-${randomUUID()}`;
  const callLog = join(mkdtempSync(join(tmpdir(), 'llmspell-crash-')), 'calls.log');
  const first = await startWorkerProcess({ TASK_QUEUE: taskQueue, CALL_LOG: callLog, SLOW_MS: '600000' });
  const { client, connection } = await testClient();
  const source = `
    if spell.input.round == 1 then
      state.set("first", llm.generate{ model = "counting:m", prompt = "round 1" }.text)
      spell.continue_as_new({ round = 2 })
    end
    return { first = state.get("first"), second = ${branchStep('round 2')} }
  `;
  const handle = await startSpell(client, { source, fileName: 'rounds.lua', engine: 'lua', input: { round: 1 }, taskQueue, options: { heartbeatTimeoutMs: 2000 } });
  // The second run's step is under way (the handle follows the run chain to the latest run).
  await expect.poll(async () => (await checkpointed(client, handle.workflowId)).join(','), { timeout: 30_000, interval: 100 }).toBe('1');
  first.kill('SIGKILL');
  await startWorkerProcess({ TASK_QUEUE: taskQueue, CALL_LOG: callLog, SLOW_MS: '10' });
  expect(await handle.result()).toEqual({ first: 'answer to round 1', second: 'answer to round 2 / slow done' });
  expect(readFileSync(callLog, 'utf8')).toBe('model round 1\nmodel round 2\nslow start\nslow start\n');
  await connection.close();
});
