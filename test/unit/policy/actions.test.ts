import t from 'tap'
import { ConfigError } from '../../../src/config/yaml-source.js'
import { applySet } from '../../../src/policy/apply-set.js'
import { input, policyFrom } from './helpers.js'

const known = { models: ['fast', 'smart'], providers: ['openai', 'local'] }

t.test('actions: route, deny, set, tags', async (t) => {
  const policy = policyFrom(
    {
      rules: [
        { name: 'to-logical', when: { team: 'a' }, route: 'smart' },
        { name: 'to-direct', when: { team: 'b' }, route: 'local/llama-3.1-70b' },
        { name: 'to-requested', when: { team: 'c' }, route: 'requested' },
        { name: 'denied', when: { team: 'd' }, deny: 'not for you' },
        { name: 'capped', when: { team: 'e' }, set: { max_tokens: 100, temperature: 0.2, seed: 7 }, tags: ['capped', 'cheap'] },
      ],
    },
    known,
  )
  const rows: Array<[string, string, object]> = [
    ['a', 'logical model', { rule: 'to-logical', kind: 'route', route: 'smart', denyMessage: null }],
    ['b', 'provider/model', { rule: 'to-direct', kind: 'route', route: 'local/llama-3.1-70b' }],
    ['c', 'requested', { rule: 'to-requested', kind: 'route', route: 'fast' }],
    ['d', 'deny', { rule: 'denied', kind: 'deny', denyMessage: 'not for you' }],
    ['e', 'set and tags, route requested', { rule: 'capped', kind: 'route', route: 'fast', set: { max_tokens: 100, temperature: 0.2, seed: 7 }, tags: ['capped', 'cheap'] }],
    ['z', 'no match: requested model', { rule: null, kind: 'route', route: 'fast', set: {}, tags: [] }],
  ]
  for (const [team, name, want] of rows) {
    const d = policy.evaluate(input({ team, model: 'fast' }))
    t.match(d, want, name)
    t.ok(d.reason.length > 0, `${name}: has a reason`)
    t.same(policy.explain(input({ team, model: 'fast' })).decision.route, d.route, `${name}: explain routes the same`)
  }
  t.match(policy.evaluate(input({ team: 'a' })).reason, /rule "to-logical" matched \(team = a\): route smart/)
  t.match(policy.evaluate(input({ team: 'z' })).reason, /no rule matched/)
})

t.test('set: caps lower what the client asked for, overrides replace', async (t) => {
  const set = { max_tokens: 100, temperature: 0.2, seed: 7 }
  t.same(applySet({ model: 'm', max_tokens: 5000, temperature: 1 }, set), { model: 'm', max_tokens: 100, temperature: 0.2, seed: 7 })
  t.same(applySet({ model: 'm', max_tokens: 50, temperature: 0.1 }, set), { model: 'm', max_tokens: 50, temperature: 0.1, seed: 7 })
  t.same(applySet({ model: 'm' }, set), { model: 'm', max_tokens: 100, temperature: 0.2, seed: 7 })
})

t.test('first match wins; a rule without when always matches', async (t) => {
  const policy = policyFrom({
    rules: [
      { name: 'first', when: { team: 'a' }, route: 'one' },
      { name: 'second', when: { team: 'a' }, route: 'two' },
      { name: 'catch-all', route: 'three' },
      { name: 'never', route: 'four' },
    ],
  })
  t.equal(policy.evaluate(input({ team: 'a' })).rule, 'first')
  t.equal(policy.evaluate(input({ team: 'b' })).rule, 'catch-all')
  const { trace } = policy.explain(input({ team: 'b' }))
  t.same(
    trace.map((x) => [x.rule, x.matched]),
    [
      ['first', false],
      ['second', false],
      ['catch-all', true],
    ],
    'explain stops at the first match',
  )
  t.equal(policy.ruleCount, 4)
})

t.test('an empty or missing policy routes the requested model', async (t) => {
  const policy = policyFrom('rules: []\n')
  t.match(policy.evaluate(input({ model: 'fast' })), { rule: null, route: 'fast' })
})

t.test('version is a content hash', async (t) => {
  const a = policyFrom({ rules: [{ name: 'r', route: 'x' }] })
  const b = policyFrom({ rules: [{ name: 'r', route: 'x' }] })
  const c = policyFrom({ rules: [{ name: 'r', route: 'y' }] })
  t.equal(a.version, b.version)
  t.not(a.version, c.version)
  t.match(a.version, /^[0-9a-f]{12}$/)
})

function problems(text: string, checkRoutes = true): string[] {
  try {
    policyFrom(text, checkRoutes ? known : undefined, '/p/policy.yaml')
  } catch (err) {
    if (err instanceof ConfigError) return err.message.split('\n')
    throw err
  }
  return []
}

t.test('invalid policies: each problem names FILE:LINE:COL', async (t) => {
  const rows: Array<[string, string, RegExp]> = [
    ['bad regex', 'rules:\n  - name: r\n    when:\n      content: { matches: "(unclosed" }\n    route: fast\n', /^\/p\/policy\.yaml:4:\d+ rules\.0\.when\.content\.matches: invalid regular expression/],
    ['unknown logical model', 'rules:\n  - name: r\n    route: huge\n', /^\/p\/policy\.yaml:3:12 rules\.0\.route: route "huge" is not a logical model/],
    ['unknown provider', 'rules:\n  - name: r\n    route: nope/model-x\n', /^\/p\/policy\.yaml:3:12 rules\.0\.route: route "nope\/model-x": unknown provider "nope"/],
    ['unknown condition', 'rules:\n  - name: r\n    when: { teem: legal }\n    route: fast\n', /^\/p\/policy\.yaml:3:\d+ rules\.0\.when.*teem/],
    ['route and deny', 'rules:\n  - name: r\n    route: fast\n    deny: no\n', /^\/p\/policy\.yaml:2:\d+ rules\.0: a rule either routes or denies/],
    ['no action', 'rules:\n  - name: r\n    when: { team: a }\n', /rules\.0: a rule needs route, deny, set or tags/],
    ['duplicate names', 'rules:\n  - name: r\n    route: fast\n  - name: r\n    route: smart\n', /^\/p\/policy\.yaml:4:11 rules\.1\.name: duplicate rule name "r"/],
    ['bad comparison', 'rules:\n  - name: r\n    when: { prompt_tokens: { more: 3 } }\n    route: fast\n', /^\/p\/policy\.yaml:3:\d+ rules\.0\.when\.prompt_tokens/],
    ['empty condition', 'rules:\n  - name: r\n    when: {}\n    route: fast\n', /empty condition/],
    ['bad has', 'rules:\n  - name: r\n    when: { has: video }\n    route: fast\n', /rules\.0\.when\.has/],
    ['test case without expect', 'tests:\n  - name: x\n    request: { model: a }\n', /^\/p\/policy\.yaml:2:\d+ tests\.0\.expect/],
  ]
  for (const [name, text, re] of rows) {
    const p = problems(text)
    t.ok(p.length > 0, `${name}: rejected`)
    t.match(p[0], re, name)
  }
  t.same(problems('rules:\n  - name: r\n    route: anything/at-all\n', false), [], 'route names are not checked without a config')
})

t.test('inline policy problems point into the gateway file', async (t) => {
  const { YamlSource } = await import('../../../src/config/yaml-source.js')
  const { compilePolicy } = await import('../../../src/policy/compile.js')
  const src = new YamlSource('/g/gateway.yaml', 'providers: {}\npolicy:\n  rules:\n    - name: r\n      route: nowhere\n')
  const value = (src.value as { policy: unknown }).policy
  t.throws(() => compilePolicy({ kind: 'inline', source: src, path: ['policy'], value }, { known: { models: [], providers: [] } }), /\/g\/gateway\.yaml:5:14 policy\.rules\.0\.route/)
})
