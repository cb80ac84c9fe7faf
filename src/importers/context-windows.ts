/**
 * Input context windows (tokens) of well-known models, from their providers' model pages, for
 * LiteLLM `context_window_fallbacks` when the config gives no `model_info.max_input_tokens`. Matched
 * by the longest prefix of the upstream model name.
 */
const windows: ReadonlyArray<[prefix: string, tokens: number]> = [
  ['gpt-3.5-turbo', 16_385],
  ['gpt-4-turbo', 128_000],
  ['gpt-4o', 128_000],
  ['gpt-4.1', 1_047_576],
  ['gpt-5', 400_000],
  ['o1', 200_000],
  ['o3', 200_000],
  ['o4-mini', 200_000],
  ['gpt-4', 8_192],
  ['claude-3', 200_000],
  ['claude-sonnet-4', 200_000],
  ['claude-opus-4', 200_000],
  ['claude-haiku-4', 200_000],
  ['gemini-1.5-pro', 2_097_152],
  ['gemini-1.5-flash', 1_048_576],
  ['gemini-2.0-flash', 1_048_576],
  ['gemini-2.5', 1_048_576],
]

export function contextWindow(model: string): number | undefined {
  let best: [string, number] | undefined
  for (const w of windows) if (model.startsWith(w[0]) && (!best || w[0].length > best[0].length)) best = [w[0], w[1]]
  return best?.[1]
}
