import type { ChatRequest } from '../../call/chat.js'
import { parseBody } from '../../errors/parse-body.js'
import { chatRequestSchema } from './schema.js'

/**
 * A Chat Completions body as the gateway's request: validated (400 naming the first bad `param`),
 * otherwise as the client sent it (the internal request is modelled on this API).
 */
export const decodeChat = (body: unknown): ChatRequest => parseBody(chatRequestSchema, body)
