import t from 'tap'
import { newCallRecord } from '../../../src/call/record.js'
import { logCall } from '../../../src/observability/call-log.js'
import { input, policyFrom } from './helpers.js'

t.test('the call log line names the rule, the policy version and the reason', async (t) => {
  const policy = policyFrom({ rules: [{ name: 'code', when: { content: { matches: '(?i)python' } }, route: 'smart' }] })
  const d = policy.evaluate(input({ content: 'a Python script, password hunter2' }))
  const r = newCallRecord('req_1', 'chat.completions', new Date(0))
  r.rule = d.rule
  r.policyVersion = policy.version
  r.reason = d.reason
  const lines: object[] = []
  const log = { info: (o: object) => void lines.push(o), warn() {}, error() {}, debug() {} }
  logCall(log, r)
  t.match(lines[0], { rule: 'code', policyVersion: policy.version, reason: /rule "code" matched/ })
  t.notMatch(JSON.stringify(lines[0]), /hunter2/, 'no prompt text in the reason')
})
