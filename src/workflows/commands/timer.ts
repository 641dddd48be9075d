/** `sleep(seconds)`: a durable timer. `signal.wait(name, {timeout?})`: the next signal of that name, or nil on timeout. */
import { condition, sleep } from '@temporalio/workflow';
import type { Command } from './index.ts';

export const sleepCommand: Command = async (ctx, _path, call) => {
  const { seconds } = call.args as { seconds: number };
  ctx.run.progress = { status: 'waiting', waitingOn: `sleep ${seconds}s` };
  await sleep(seconds * 1000);
  ctx.run.progress = { status: 'running' };
  return { result: null };
};

export const signalWaitCommand: Command = async (ctx, _path, call) => {
  const { name, timeout } = call.args as { name: string; timeout?: number };
  const signals = ctx.run.signals;
  const arrived = () => (signals.get(name)?.length ?? 0) > 0;
  ctx.run.progress = { status: 'waiting', waitingOn: `signal.wait ${name}` };
  const got = timeout === undefined ? (await condition(arrived), true) : await condition(arrived, timeout * 1000);
  ctx.run.progress = { status: 'running' };
  return { result: got ? (signals.get(name)!.shift() ?? null) : null };
};
