/** Process entry of the CLI: exit explicitly, the Temporal runtime keeps handles open. */
import { enableCompileCache } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// V8's compiled code of the modules (the Temporal SDK's above all) is cached on disk, so a run
// after the first starts about a quarter faster. Set before any import below, and in the
// environment so the worker's threads and engine processes use it too.
process.env.NODE_COMPILE_CACHE ??= join(tmpdir(), 'node-compile-cache');
enableCompileCache(process.env.NODE_COMPILE_CACHE);
const { main } = await import('./main.ts');

process.exit(await main(process.argv.slice(2)));
