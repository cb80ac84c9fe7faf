import type { Call } from '../call/call.js'
import type { ChatRequest } from '../call/chat.js'
import { GatewayError } from '../errors/gateway-error.js'
import { runChat, type ChatOutcome, type ChatSource } from './run-chat.js'
import type { StageDeps } from './types.js'

export const WORKFLOW_PREFIX = 'workflow/'

/**
 * A generation by model name: `workflow/<name>` runs that workflow and answers with its output step,
 * anything else goes through the stages to a provider. Every generation ingress calls this.
 */
export function runModel(deps: StageDeps, call: Call, req: ChatRequest, source: ChatSource = {}): Promise<ChatOutcome> {
  if (!req.model.startsWith(WORKFLOW_PREFIX)) return runChat(deps, call, req, source)
  if (!deps.workflows) return Promise.reject(new GatewayError('model_not_found', `The model \`${req.model}\` does not exist: no workflows are configured.`, { param: 'model' }))
  return deps.workflows.runAsModel(call, req)
}
