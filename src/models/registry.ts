/**
 * `provider:model` ids resolved through the AI SDK provider registry. The built-in
 * `offline` provider is always there; callers add providers (OpenAI, Anthropic,
 * OpenAI-compatible, test models) by name.
 */
import { createProviderRegistry, customProvider, type LanguageModel, type Provider } from 'ai';
import type { LanguageModelV4 } from '@ai-sdk/provider';
import { SpellError } from '../errors/index.ts';
import { OfflineEchoModel } from './offline.ts';

export type ProviderMap = Record<string, Provider | ReturnType<typeof customProvider>>;

export interface ModelResolver {
  /** The model for an id such as `offline:echo`; throws {@link UnknownModel}. */
  languageModel(id: string): LanguageModel;
}

/** A provider with fixed models (test models, a local model). */
export function providerOf(models: Record<string, LanguageModelV4>): ReturnType<typeof customProvider> {
  return customProvider({ languageModels: models });
}

export function createModelResolver(providers: ProviderMap = {}): ModelResolver {
  const all = { offline: providerOf({ echo: new OfflineEchoModel() }), ...providers };
  const registry = createProviderRegistry(all as Parameters<typeof createProviderRegistry>[0]);
  return {
    languageModel(id) {
      const separator = id.indexOf(':');
      if (separator <= 0) {
        throw new SpellError('UnknownModel', `model "${id}" is not a provider:model id (known providers: ${Object.keys(all).join(', ')})`);
      }
      const provider = id.slice(0, separator);
      if (!(provider in all)) {
        throw new SpellError('UnknownModel', `model "${id}": no provider "${provider}" (known providers: ${Object.keys(all).join(', ')})`);
      }
      try {
        return registry.languageModel(id as `offline:${string}`);
      } catch (error) {
        throw new SpellError('UnknownModel', `model "${id}": ${(error as Error).message}`);
      }
    },
  };
}
