/**
 * The workflow bundle, built once per version of the workflow code and cached on disk:
 * bundling takes seconds, and `llmspell run` starts a worker every time.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, extname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode } from '@temporalio/worker';

const here = dirname(fileURLToPath(import.meta.url));
const ext = extname(fileURLToPath(import.meta.url));
export const workflowsPath = join(here, 'workflows', `index${ext}`);
/** The workflow interceptor module of tracing (Temporal's OpenTelemetry interceptors, see src/telemetry). */
export const tracingInterceptorsPath = join(here, 'telemetry', `workflow-interceptors${ext}`);
/**
 * Stateless modules the workflow imports, evaluated once per workflow thread and shared by
 * every run (Temporal's `preloadModules`): otherwise each run evaluates its own copy, starts
 * its hashing cold and keeps the copy in memory while parked. None imports
 * `@temporalio/workflow`, holds state, or changes what it exports (shared exports are frozen);
 * what they import is shared too (the hashing package). The plugin preloads these in a user's
 * own bundle.
 */
export const preloadModules = [
  join(here, 'journal', `canonical${ext}`),
  join(here, 'journal', `types${ext}`),
  join(here, 'journal', `events${ext}`),
  ...['errors', 'kinds', 'run', 'settings', 'usage'].map((name) => join(here, 'contract', `${name}${ext}`)),
];
/**
 * llmspell's own bundle shares the spell workflow's modules too, and the parts of
 * `@temporalio/workflow` only they import (its index, random streams, metrics): none keeps
 * state at module level (a run's state is its RunState, and Temporal's functions find the run
 * through its activator; test/workflows/sandbox-imports.test.ts checks ours), so a parked run
 * no longer holds its own copy of them (V8 heap of 1,000 parked runs: 86 → 59 KB a run). Not in a user's bundle: there it would
 * share those `@temporalio/workflow` modules with the user's workflows as well.
 */
const bundlePreloadModules = [...preloadModules, workflowsPath];
/**
 * The bundle's source map: line-level ("cheap"), its sources' text left out. Temporal's worker
 * parses the map when it loads the bundle and again for the stack trace it keeps of every
 * promise a workflow makes; the full map (Temporal's default, 1.5 MB of the bundle's 2 MB)
 * cost a one-run process ~0.1 s. Stack traces still name file and line.
 */
const DEVTOOL = 'inline-nosources-cheap-module-source-map';
/** Packages the tracing interceptors bundle without naming them in an import (Temporal's interceptors use them). */
const TRACING_PACKAGES = ['@opentelemetry/sdk-trace-base'];

export interface WorkflowBundleOptions {
  /** Bundle tracing's workflow interceptors in (for a worker with `tracing`). Default false. */
  tracing?: boolean;
}

/** Module specifiers a source file imports or re-exports (`import … from '…'`, `export … from '…'`). */
export function importsOf(text: string): Array<{ spec: string; typeOnly: boolean }> {
  return [...text.matchAll(/^(?:import|export)\s+(type\s+)?[^'";]*?from\s+'([^']+)';/gms)].map((m) => ({ spec: m[2]!, typeOnly: !!m[1] }));
}

/** The version of the package a bare specifier names, from its package.json. */
function packageVersion(spec: string): string {
  let dir = dirname(fileURLToPath(import.meta.resolve(spec)));
  for (;;) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) return `${spec}@${(JSON.parse(readFileSync(file, 'utf8')) as { version?: string }).version ?? '?'}`;
    const up = dirname(dir);
    if (up === dir) return spec;
    dir = up;
  }
}

/**
 * Digest of everything the bundle is made of: every file the workflow (and each interceptor
 * module) imports, followed through imports, and the versions of the packages it uses.
 */
async function sourceDigest(interceptorModules: readonly string[]): Promise<string> {
  const hash = createHash('sha256');
  const seen = new Set<string>();
  const visit = async (file: string): Promise<void> => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = await readFile(file, 'utf8');
    hash.update(relative(here, file));
    hash.update(text);
    for (const { spec } of importsOf(text)) {
      if (spec.startsWith('.')) await visit(resolve(dirname(file), spec));
      else hash.update(packageVersion(spec));
    }
  };
  hash.update(DEVTOOL);
  hash.update(bundlePreloadModules.map((module) => relative(here, module)).join('\n'));
  await visit(workflowsPath);
  for (const module of interceptorModules) await visit(module);
  if (interceptorModules.includes(tracingInterceptorsPath)) for (const spec of TRACING_PACKAGES) hash.update(packageVersion(spec));
  return hash.digest('hex').slice(0, 16);
}

/** Bundled workflow code, from the cache folder when this version was bundled before. */
export async function workflowBundle(cacheDir: string, options: WorkflowBundleOptions = {}): Promise<{ code: string }> {
  const workflowInterceptorModules = options.tracing ? [tracingInterceptorsPath] : [];
  const file = join(cacheDir, `workflow-bundle-${await sourceDigest(workflowInterceptorModules)}.js`);
  try {
    return { code: await readFile(file, 'utf8') };
  } catch {
    const { code } = await bundleWorkflowCode({
      workflowsPath,
      workflowInterceptorModules,
      preloadModules: bundlePreloadModules,
      logger: quietLogger,
      webpackConfigHook: (config) => ({ ...config, devtool: DEVTOOL }),
    });
    await mkdir(cacheDir, { recursive: true });
    await writeFile(`${file}.tmp`, code);
    await rename(`${file}.tmp`, file);
    return { code };
  }
}

const noop = () => {};
const quietLogger = { log: noop, trace: noop, debug: noop, info: noop, warn: noop, error: console.error };
