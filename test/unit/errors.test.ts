import t from 'tap'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { errorCodes } from '../../src/errors/codes.js'
import { GatewayError } from '../../src/errors/gateway-error.js'
import { toOpenAIError } from '../../src/ingress/openai-errors.js'
import { packageRoot } from '../../src/paths.js'

t.test('every error code renders as an OpenAI envelope with its status', async (t) => {
  for (const [code, spec] of Object.entries(errorCodes)) {
    const err = new GatewayError(code as keyof typeof errorCodes)
    t.equal(err.status, spec.status, code)
    t.same(toOpenAIError(err), { error: { message: spec.message, type: spec.type, param: null, code } }, code)
  }
})

t.test('the README documents every error code', async (t) => {
  const readme = readFileSync(join(packageRoot, 'README.md'), 'utf8')
  for (const code of Object.keys(errorCodes)) t.match(readme, new RegExp('`' + code + '`'), code)
})
