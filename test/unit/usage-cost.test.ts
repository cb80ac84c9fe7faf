import t from 'tap'
import { costUsd, normalizeUsage } from '../../src/usage/cost.js'

t.test('cost: cached input and reasoning output priced separately, per million tokens', async (t) => {
  const usage = normalizeUsage({
    prompt_tokens: 1000, completion_tokens: 500, total_tokens: 1500,
    prompt_tokens_details: { cached_tokens: 400 }, completion_tokens_details: { reasoning_tokens: 200 },
  })!
  const pricing = { 'p/m': { input: 2, cached_input: 0.5, output: 8, reasoning: 10 } }
  // 600 fresh input * 2 + 400 cached * 0.5 + 300 visible output * 8 + 200 reasoning * 10
  t.equal(costUsd(pricing, 'p', 'm', usage), (600 * 2 + 400 * 0.5 + 300 * 8 + 200 * 10) / 1e6)
  // without a reasoning price, reasoning bills at the output price; without cached, at input
  t.equal(costUsd({ 'p/m': { input: 2, output: 8 } }, 'p', 'm', usage), (1000 * 2 + 500 * 8) / 1e6)
  t.equal(costUsd(pricing, 'p', 'other', usage), null, 'no price, no guess')
})

t.test('usage without details normalizes to zero cached and reasoning', async (t) => {
  t.same(normalizeUsage({ prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 }), { prompt: 3, completion: 4, cached: 0, reasoning: 0 })
  t.equal(normalizeUsage(null), null)
})
