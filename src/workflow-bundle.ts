/**
 * The workflow bundle, built once per version of the workflow sources and cached on
 * disk: bundling takes seconds, and `llmspell run` starts a worker every time.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, rename, writeFile } from 'node:fs/promises';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode } from '@temporalio/worker';

const here = dirname(fileURLToPath(import.meta.url));
const ext = extname(fileURLToPath(import.meta.url));
export const workflowsPath = join(here, 'workflows', `index${ext}`);

/** Files whose content decides the bundle: everything the workflow imports lives here. */
async function sourceDigest(): Promise<string> {
  const hash = createHash('sha256');
  for (const dir of ['workflows', 'journal', 'engines']) {
    const files = (await readdir(join(here, dir), { recursive: true })).filter((f) => f.endsWith(ext)).sort();
    for (const file of files) {
      hash.update(file);
      hash.update(await readFile(join(here, dir, file)));
    }
  }
  return hash.digest('hex').slice(0, 16);
}

/** Bundled workflow code, from the cache folder when this version was bundled before. */
export async function workflowBundle(cacheDir: string): Promise<{ code: string }> {
  const file = join(cacheDir, `workflow-bundle-${await sourceDigest()}.js`);
  try {
    return { code: await readFile(file, 'utf8') };
  } catch {
    const { code } = await bundleWorkflowCode({ workflowsPath, logger: quietLogger });
    await mkdir(cacheDir, { recursive: true });
    await writeFile(`${file}.tmp`, code);
    await rename(`${file}.tmp`, file);
    return { code };
  }
}

const noop = () => {};
const quietLogger = { log: noop, trace: noop, debug: noop, info: noop, warn: noop, error: console.error };
