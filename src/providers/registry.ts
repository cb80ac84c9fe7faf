import type { ProviderType } from '../config/schema.js'
import { anthropicAdapter } from './anthropic/index.js'
import { azureAdapter } from './azure/index.js'
import { geminiAdapter } from './gemini/index.js'
import { openaiAdapter } from './openai/index.js'
import type { ProviderAdapter } from './types.js'

/** Provider type -> adapter. A new provider is one folder and one line here. */
const adapters: Partial<Record<ProviderType, ProviderAdapter>> = {
  openai: openaiAdapter,
  demo: { ...openaiAdapter, type: 'demo' },
  anthropic: anthropicAdapter,
  gemini: geminiAdapter,
  azure: azureAdapter,
}

export function adapterFor(type: ProviderType): ProviderAdapter | undefined {
  return adapters[type]
}
