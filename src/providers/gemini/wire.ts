/** Gemini API (generativelanguage v1beta) wire types, the subset the gateway sends and reads. */
export interface GeminiPart {
  text?: string
  thought?: boolean
  thoughtSignature?: string
  inlineData?: { mimeType: string; data: string }
  fileData?: { mimeType?: string; fileUri: string }
  functionCall?: { id?: string; name: string; args?: Record<string, unknown> }
  functionResponse?: { id?: string; name: string; response: Record<string, unknown> }
}

export interface GeminiContent {
  role: 'user' | 'model'
  parts: GeminiPart[]
}

export interface GeminiSchema {
  [key: string]: unknown
}

export interface GeminiRequest {
  contents: GeminiContent[]
  systemInstruction?: { parts: GeminiPart[] }
  tools?: Array<{ functionDeclarations: Array<{ name: string; description?: string; parameters?: GeminiSchema }> }>
  toolConfig?: { functionCallingConfig: { mode: 'AUTO' | 'ANY' | 'NONE'; allowedFunctionNames?: string[] } }
  generationConfig?: {
    temperature?: number
    topP?: number
    maxOutputTokens?: number
    stopSequences?: string[]
    candidateCount?: number
    presencePenalty?: number
    frequencyPenalty?: number
    seed?: number
    responseMimeType?: string
    responseSchema?: GeminiSchema
  }
}

export interface GeminiUsage {
  promptTokenCount?: number
  candidatesTokenCount?: number
  thoughtsTokenCount?: number
  cachedContentTokenCount?: number
  toolUsePromptTokenCount?: number
  totalTokenCount?: number
}

export interface GeminiCandidate {
  content?: { role?: string; parts?: GeminiPart[] }
  finishReason?: string
  index?: number
}

export interface GeminiResponse {
  candidates?: GeminiCandidate[]
  promptFeedback?: { blockReason?: string }
  usageMetadata?: GeminiUsage
  modelVersion?: string
  responseId?: string
}

export interface GeminiErrorBody {
  error: { code?: number; message?: string; status?: string; details?: Array<{ '@type'?: string; reason?: string; retryDelay?: string }> }
}
