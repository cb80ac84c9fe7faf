import { stringify } from 'yaml'
import { YamlSource } from '../../../src/config/yaml-source.js'
import { compilePolicy, type KnownRoutes } from '../../../src/policy/compile.js'
import type { CompiledPolicy, PolicyInput } from '../../../src/policy/types.js'

/** Compiles a policy from YAML text (or an object written as YAML) as if read from `file`. */
export function policyFrom(doc: string | object, known?: KnownRoutes, file = '/virtual/policy.yaml'): CompiledPolicy {
  const text = typeof doc === 'string' ? doc : stringify(doc)
  return compilePolicy({ kind: 'file', source: new YamlSource(file, text) }, { known })
}

/** A chat request input with sensible defaults; override any field. */
export function input(over: Partial<PolicyInput> & { content?: string } = {}): PolicyInput {
  const { content, ...rest } = over
  const request = rest.request ?? { model: rest.model ?? 'auto', messages: [{ role: 'user' as const, content: content ?? 'hello there' }] }
  return {
    endpoint: 'chat.completions',
    workflow: null,
    step: null,
    team: 'research',
    teamLabels: {},
    key: null,
    user: null,
    model: 'auto',
    headers: {},
    metadata: {},
    stream: false,
    budgetUsedPct: undefined,
    ...rest,
    request,
  }
}
