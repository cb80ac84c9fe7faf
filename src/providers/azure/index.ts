import type { ChatRequest } from '../../call/chat.js'
import type { EmbeddingsRequest } from '../../call/embeddings.js'
import { mapError } from '../openai/errors.js'
import { chatRequest as openaiChatRequest, embeddingsRequest as openaiEmbeddingsRequest } from '../openai/request.js'
import { chatResponse, embeddingsResponse } from '../openai/response.js'
import { createChatStream } from '../openai/stream.js'
import { endpoint } from '../shared/endpoint.js'
import { GatewayError } from '../../errors/gateway-error.js'
import type { AdapterContext, ProviderAdapter, UpstreamRequest } from '../types.js'

/** The api-version sent when the provider config names none (a GA version with tools, json_schema and stream usage). */
const DEFAULT_AZURE_API_VERSION = '2024-10-21'

/**
 * Azure OpenAI: OpenAI's wire format at `{base_url}/openai/deployments/{deployment}/{op}?api-version=...`
 * with an `api-key` header. The target's model is the deployment name.
 */
function azureRequest(ctx: AdapterContext, op: 'chat/completions' | 'embeddings', openai: UpstreamRequest): UpstreamRequest {
  const base = ctx.target.config.base_url
  if (!base) throw new GatewayError('upstream_unavailable', `${ctx.target.provider}: an azure provider needs base_url (https://<resource>.openai.azure.com).`)
  const headers = { ...openai.headers }
  delete headers.authorization
  if (ctx.apiKey) headers['api-key'] = ctx.apiKey
  const path = `/openai/deployments/${encodeURIComponent(ctx.target.model)}/${op}`
  return { ...openai, ...endpoint(base, path, { 'api-version': ctx.target.config.api_version ?? DEFAULT_AZURE_API_VERSION }), headers }
}

export const azureAdapter: ProviderAdapter = {
  type: 'azure',
  chatRequest: (req: ChatRequest, ctx: AdapterContext) => azureRequest(ctx, 'chat/completions', openaiChatRequest(req, ctx)),
  chatResponse,
  createChatStream,
  mapError,
  embeddingsRequest: (req: EmbeddingsRequest, ctx: AdapterContext) => azureRequest(ctx, 'embeddings', openaiEmbeddingsRequest(req, ctx)),
  embeddingsResponse,
}
