/**
 * The gateway's own request for a generation: what the stages, policy and provider adapters work on.
 * It is modelled on Chat Completions (the shape most providers and tools already speak), but it is the
 * gateway's type: every ingress decodes its client format into it (src/ingress/<api>/decode.ts), and
 * provider adapters translate it to their wire format. Fields the gateway does not name are kept
 * (`[field: string]: unknown`) and reach OpenAI-compatible upstreams untouched.
 */
interface TextPart {
  type: 'text'
  text: string
  [field: string]: unknown
}

interface ImagePart {
  type: 'image_url'
  image_url: { url: string; detail?: 'auto' | 'low' | 'high' | undefined; [field: string]: unknown }
  [field: string]: unknown
}

interface AudioPart {
  type: 'input_audio'
  input_audio: { data: string; format: string; [field: string]: unknown }
  [field: string]: unknown
}

interface FilePart {
  type: 'file'
  file: { [field: string]: unknown }
  [field: string]: unknown
}

interface RefusalPart {
  type: 'refusal'
  refusal: string
  [field: string]: unknown
}

export type ContentPart = TextPart | ImagePart | AudioPart | FilePart | RefusalPart

export interface ToolCall {
  id: string
  type: 'function'
  function: { name: string; arguments: string; [field: string]: unknown }
  [field: string]: unknown
}

interface SystemMessage {
  role: 'system' | 'developer'
  content: string | TextPart[]
  name?: string | undefined
  [field: string]: unknown
}

interface UserMessage {
  role: 'user'
  content: string | ContentPart[]
  name?: string | undefined
  [field: string]: unknown
}

/**
 * A piece of a model's reasoning, kept so it can go back to the model on the next turn. Providers
 * only accept their own: `signature` (Anthropic thinking, Gemini thought signatures) and `encrypted`
 * (Anthropic redacted thinking, OpenAI encrypted reasoning) travel only to a target of the provider
 * type named in `source`; elsewhere the readable `text` may be sent, or the part left out.
 */
export interface ReasoningPart {
  /** Readable reasoning, or its summary ('' when only encrypted). */
  text: string
  signature?: string | undefined
  encrypted?: string | undefined
  /** Provider type that produced it (`anthropic`, `gemini`, `openai`). */
  source?: string | undefined
}

export interface AssistantMessage {
  role: 'assistant'
  content?: string | Array<TextPart | RefusalPart> | null | undefined
  tool_calls?: ToolCall[] | undefined
  name?: string | undefined
  refusal?: string | null | undefined
  /** The reasoning that came with this turn, in order (a gateway extension; OpenAI-compatible upstreams do not get it). */
  reasoning?: ReasoningPart[] | undefined
  [field: string]: unknown
}

interface ToolMessage {
  role: 'tool'
  content: string | TextPart[]
  tool_call_id: string
  [field: string]: unknown
}

/** The legacy function-calling role, kept for clients that still send it. */
interface FunctionMessage {
  role: 'function'
  content: string | null
  name: string
  [field: string]: unknown
}

export type ChatMessage = SystemMessage | UserMessage | AssistantMessage | ToolMessage | FunctionMessage

interface FunctionTool {
  type: 'function'
  function: {
    name: string
    description?: string | undefined
    parameters?: Record<string, unknown> | undefined
    strict?: boolean | null | undefined
    [field: string]: unknown
  }
  [field: string]: unknown
}

type ToolChoice = 'none' | 'auto' | 'required' | { type: 'function'; function: { name: string; [field: string]: unknown }; [field: string]: unknown }

export type ResponseFormat =
  | { type: 'text'; [field: string]: unknown }
  | { type: 'json_object'; [field: string]: unknown }
  | {
      type: 'json_schema'
      json_schema: { name: string; description?: string | undefined; schema?: Record<string, unknown> | undefined; strict?: boolean | null | undefined; [field: string]: unknown }
      [field: string]: unknown
    }

export interface ChatRequest {
  model: string
  messages: ChatMessage[]
  stream?: boolean | null | undefined
  stream_options?: { include_usage?: boolean | undefined; [field: string]: unknown } | null | undefined
  n?: number | null | undefined
  stop?: string | string[] | null | undefined
  max_tokens?: number | null | undefined
  max_completion_tokens?: number | null | undefined
  temperature?: number | null | undefined
  top_p?: number | null | undefined
  presence_penalty?: number | null | undefined
  frequency_penalty?: number | null | undefined
  seed?: number | null | undefined
  user?: string | undefined
  metadata?: Record<string, string> | null | undefined
  tools?: FunctionTool[] | undefined
  tool_choice?: ToolChoice | undefined
  parallel_tool_calls?: boolean | undefined
  response_format?: ResponseFormat | undefined
  logprobs?: boolean | null | undefined
  top_logprobs?: number | null | undefined
  reasoning_effort?: string | null | undefined
  /**
   * A reasoning budget in tokens (Anthropic `thinking.budget_tokens`, Gemini `thinkingBudget`); 0 turns
   * reasoning off. A gateway extension: adapters map it (OpenAI-compatible upstreams get `reasoning_effort`).
   */
  reasoning_budget_tokens?: number | undefined
  [field: string]: unknown
}


