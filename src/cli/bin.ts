/** Process entry of the CLI: exit explicitly, the Temporal runtime keeps handles open. */
import { main } from './main.ts';

process.exit(await main(process.argv.slice(2)));
