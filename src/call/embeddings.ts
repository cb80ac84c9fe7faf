/** The gateway's own embeddings request and result (modelled on OpenAI's, which every embeddings client speaks). */
export interface EmbeddingsRequest {
  model: string
  input: string | string[] | number[] | number[][]
  encoding_format?: 'float' | 'base64' | undefined
  dimensions?: number | undefined
  user?: string | undefined
  [field: string]: unknown
}

export interface EmbeddingsResponse {
  object: 'list'
  data: Array<{ object: 'embedding'; index: number; embedding: number[] | string }>
  model: string
  usage: { prompt_tokens: number; total_tokens: number }
}
