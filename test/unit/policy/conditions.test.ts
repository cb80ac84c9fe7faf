import t from 'tap'
import type { Condition } from '../../../src/policy/schema.js'
import type { PolicyInput } from '../../../src/policy/types.js'
import { input, policyFrom } from './helpers.js'

type Over = Partial<PolicyInput> & { content?: string }

const longText = 'lorem ipsum '.repeat(50_000) // ~600k characters, ~150k estimated tokens
const withImage = { model: 'auto', messages: [{ role: 'user' as const, content: [{ type: 'text' as const, text: 'what is this?' }, { type: 'image_url' as const, image_url: { url: 'data:image/png;base64,AAAA' } }] }] }
const withTools = { model: 'auto', messages: [{ role: 'user' as const, content: 'weather?' }], tools: [{ type: 'function' as const, function: { name: 'get_weather' } }] }
const withSchema = { model: 'auto', messages: [{ role: 'user' as const, content: 'json' }], response_format: { type: 'json_schema' as const, json_schema: { name: 'x', schema: {} } } }
const history = {
  model: 'auto',
  messages: [
    { role: 'system' as const, content: 'You review Python code.' },
    { role: 'user' as const, content: 'first question about python' },
    { role: 'assistant' as const, content: 'ok' },
    { role: 'user' as const, content: 'and now something else' },
  ],
}

/** [name, condition, input overrides, expected match] */
const cases: Array<[string, Condition, Over, boolean]> = [
  ['team: exact hit', { team: 'legal' }, { team: 'legal' }, true],
  ['team: exact miss', { team: 'legal' }, { team: 'research' }, false],
  ['team: list', { team: ['legal', 'hr'] }, { team: 'hr' }, true],
  ['team: glob', { team: 'data-*' }, { team: 'data-eng' }, true],
  ['key: hit', { key: 'ci-bot' }, { key: 'ci-bot' }, true],
  ['key: absent never matches', { key: '*' }, { key: null }, false],
  ['user: hit', { user: 'alice' }, { user: 'alice' }, true],
  ['user: miss', { user: 'alice' }, { user: 'bob' }, false],
  ['model: glob star', { model: 'gpt-4*' }, { model: 'gpt-4o-mini' }, true],
  ['model: glob question mark', { model: 'gpt-?' }, { model: 'gpt-5' }, true],
  ['model: glob is anchored', { model: 'gpt' }, { model: 'gpt-5' }, false],
  ['model: dots are literal', { model: 'a.b' }, { model: 'axb' }, false],
  ['header: hit (name case-insensitive)', { header: { 'X-Task': 'code' } }, { headers: { 'x-task': 'code' } }, true],
  ['header: wrong value', { header: { 'x-task': 'code' } }, { headers: { 'x-task': 'chat' } }, false],
  ['header: missing', { header: { 'x-task': 'code' } }, { headers: {} }, false],
  ['header: repeated header uses the first', { header: { 'x-task': 'code' } }, { headers: { 'x-task': ['code', 'chat'] } }, true],
  ['header: every named header must hold', { header: { 'x-task': 'code', 'x-env': 'prod' } }, { headers: { 'x-task': 'code', 'x-env': 'dev' } }, false],
  ['metadata: hit', { metadata: { project: 'apollo' } }, { metadata: { project: 'apollo' } }, true],
  ['metadata: miss', { metadata: { project: 'apollo' } }, { metadata: {} }, false],
  ['content.matches: case-sensitive by default', { content: { matches: 'python', scope: 'last_user' } }, { content: 'I like Python' }, false],
  ['content.matches: (?i) makes it case-insensitive', { content: { matches: '(?i)python', scope: 'last_user' } }, { content: 'I like Python' }, true],
  ['content.matches: word boundary', { content: { matches: '(?i)\\bpython|typescript\\b', scope: 'last_user' } }, { content: 'write a python function' }, true],
  ['content.matches: (?i) with uppercase pattern', { content: { matches: '(?i)\\bPYTHON\\b', scope: 'last_user' } }, { content: 'some python code' }, true],
  ['content.matches: literal alternation, case-sensitive miss', { content: { matches: 'Python|Rust', scope: 'last_user' } }, { content: 'rust and python' }, false],
  ['content.matches: literal alternation, case-sensitive hit', { content: { matches: 'Python|Rust', scope: 'last_user' } }, { content: 'I like Rust' }, true],
  ['content.matches: escaped literal', { content: { matches: '(?i)c\\+\\+', scope: 'last_user' } }, { content: 'Some C++ code' }, true],
  ['content.matches: word boundary still enforced after the literal is found', { content: { matches: '\\bpython\\b', scope: 'last_user' } }, { content: 'pythonic' }, false],
  ['content.matches: a richer regex', { content: { matches: '^(?:fix|refactor)\\s+\\w+$', scope: 'last_user' } }, { content: 'refactor parser' }, true],
  ['content.contains: any item, case-insensitive', { content: { contains: ['rust', 'golang'], scope: 'last_user' } }, { content: 'Port this to Rust' }, true],
  ['content.contains: none present', { content: { contains: ['rust', 'golang'], scope: 'last_user' } }, { content: 'Port this to zig' }, false],
  ['content.contains: regex characters are literal', { content: { contains: 'a.b', scope: 'last_user' } }, { content: 'axb' }, false],
  ['content: last user message only by default', { content: { matches: '(?i)python', scope: 'last_user' } }, { request: history }, false],
  ['content: scope all sees every message', { content: { matches: '(?i)python', scope: 'all' } }, { request: history }, true],
  ['content: text parts are scanned', { content: { contains: 'what is', scope: 'last_user' } }, { request: withImage }, true],
  ['content: matches and contains must both hold', { content: { matches: 'deploy', contains: 'friday', scope: 'last_user' } }, { content: 'deploy on monday' }, false],
  ['content: long text is scanned at its end', { content: { contains: 'needle', scope: 'last_user' } }, { content: `${longText} needle` }, true],
  ['content: middle of very long text is not scanned', { content: { contains: 'needle', scope: 'last_user' } }, { content: `${longText}needle${longText}` }, false],
  ['prompt_tokens gt: hit', { prompt_tokens: { gt: 100_000 } }, { content: longText }, true],
  ['prompt_tokens gt: miss', { prompt_tokens: { gt: 100_000 } }, { content: 'short' }, false],
  ['prompt_tokens lte: hit', { prompt_tokens: { lte: 10 } }, { content: 'short' }, true],
  ['prompt_tokens range gte+lt', { prompt_tokens: { gte: 5, lt: 10 } }, { content: 'short' }, true],
  ['has tools', { has: 'tools' }, { request: withTools }, true],
  ['has tools: none', { has: 'tools' }, {}, false],
  ['has images', { has: 'images' }, { request: withImage }, true],
  ['has images: text only', { has: 'images' }, {}, false],
  ['has json_schema', { has: 'json_schema' }, { request: withSchema }, true],
  ['has list: all must hold', { has: ['tools', 'images'] }, { request: withTools }, false],
  ['stream true', { stream: true }, { stream: true }, true],
  ['stream false', { stream: false }, { stream: true }, false],
  ['budget_used_pct gte: hit', { budget_used_pct: { gte: 80 } }, { budgetUsedPct: 85 }, true],
  ['budget_used_pct gte: miss', { budget_used_pct: { gte: 80 } }, { budgetUsedPct: 10 }, false],
  ['budget_used_pct: no budget never matches', { budget_used_pct: { lt: 50 } }, { budgetUsedPct: undefined }, false],
  ['implicit and: all keys must hold', { team: 'interns', model: 'smart' }, { team: 'interns', model: 'fast' }, false],
  ['implicit and: hit', { team: 'interns', model: 'smart' }, { team: 'interns', model: 'smart' }, true],
  ['all: every item', { all: [{ team: 'interns' }, { stream: true }] }, { team: 'interns', stream: true }, true],
  ['all: one fails', { all: [{ team: 'interns' }, { stream: true }] }, { team: 'interns', stream: false }, false],
  ['any: one holds', { any: [{ header: { 'x-task': 'code' } }, { content: { matches: 'python', scope: 'last_user' } }] }, { content: 'python please' }, true],
  ['any: none holds', { any: [{ header: { 'x-task': 'code' } }, { team: 'legal' }] }, {}, false],
  ['not: negates', { not: { team: 'legal' } }, { team: 'research' }, true],
  ['not: negates a hit', { not: { team: 'legal' } }, { team: 'legal' }, false],
  ['nested: all(any, not)', { all: [{ any: [{ team: 'a' }, { team: 'b' }] }, { not: { stream: true } }] }, { team: 'b', stream: false }, true],
]

for (const [name, when, over, expected] of cases) {
  t.test(name, async (t) => {
    const policy = policyFrom({ rules: [{ name: 'r', when, route: 'x' }] })
    const inp = input(over)
    const d = policy.evaluate(inp)
    t.equal(d.rule, expected ? 'r' : null, 'evaluate')
    const { trace, decision } = policy.explain(inp)
    t.equal(trace[0]?.matched, expected, 'explain agrees')
    t.equal(decision.rule, d.rule, 'explain decision agrees')
    t.type(trace[0]?.why, 'string')
    t.ok(trace[0]!.why.length > 0, 'explain says why')
  })
}

t.test('embeddings input is visible to content conditions', async (t) => {
  const policy = policyFrom({ rules: [{ name: 'r', when: { content: { contains: 'secret' } }, route: 'x' }] })
  const d = policy.evaluate(input({ endpoint: 'embeddings', request: { model: 'emb', input: ['public', 'top secret'] } }))
  t.equal(d.rule, 'r')
})

t.test('requiredLiterals: only plain alternations of ASCII words get a prefilter', async (t) => {
  const { requiredLiterals } = await import('../../../src/policy/matchers.js')
  const rows: Array<[string, boolean, string[] | null]> = [
    ['\\bpython|typescript\\b', true, ['python', 'typescript']],
    ['Python|Rust', false, ['Python', 'Rust']],
    ['c\\+\\+', true, ['c++']],
    ['^hello$', false, ['hello']],
    ['\\d+', false, null],
    ['(a|b)c', false, null],
    ['colou?r', false, null],
    ['naïve', true, null],
    ['a|', false, null],
  ]
  for (const [src, i, want] of rows) t.same(requiredLiterals(src, i), want, src)
})
