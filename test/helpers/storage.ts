/**
 * The External Storage every test worker and client shares (a file store under .llmspell),
 * so the suite runs the data converter's claim-check path the CLI runs: payloads over the
 * threshold are stored, history keeps references.
 */
import { join } from 'node:path';
import { createExternalStorage } from '../../src/storage/index.ts';

export const testExternalStorage = createExternalStorage({ store: 'file', dir: join(import.meta.dirname, '../../.llmspell/test-payloads') })!;
