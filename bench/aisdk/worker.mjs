// A worker with Temporal's AI SDK plugin, in a process of its own (it pins @temporalio/* 1.23):
// node worker.mjs <address> <taskQueue> <provider base URL>. Prints "ready" once polling.
import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker, Runtime, DefaultLogger } from '@temporalio/worker';
import { AiSdkPlugin } from '@temporalio/ai-sdk';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';

const [address, taskQueue, baseURL] = process.argv.slice(2);
Runtime.install({ logger: new DefaultLogger('ERROR'), telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' }, forward: {} } } });
const provider = createOpenAICompatible({ name: 'fake', baseURL });
const worker = await Worker.create({
  connection: await NativeConnection.connect({ address }),
  taskQueue,
  workflowsPath: fileURLToPath(new URL('./workflows.mjs', import.meta.url)),
  plugins: [new AiSdkPlugin({ modelProvider: provider })],
});
process.stdout.write('ready\n');
process.on('SIGTERM', () => worker.shutdown());
await worker.run();
process.exit(0);
