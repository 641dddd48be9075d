/** A ready worker process: `node worker.ts` (Node 24) runs spells from the `llmspell` task queue. */
import { main } from './src/cli/main.ts';

process.exit(await main(['worker', ...process.argv.slice(2)]));
