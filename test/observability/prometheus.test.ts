import t from 'tap'
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'
import { GatewayError } from '../../src/errors/gateway-error.js'
import type { LimitStage } from '../../src/stages/types.js'
import { packageRoot } from '../../src/paths.js'
import { sendJson, sendSse, startFakeUpstream } from '../helpers/fake-upstream.js'
import { startGateway } from '../helpers/gateway.js'
import { ensurePrometheus, startPrometheus } from '../helpers/prometheus.js'

/**
 * The shipped dashboard and alert rules against a real Prometheus scraping a gateway under traffic:
 * every dashboard query must parse and return data; every rule must parse, load and evaluate.
 */
const rulesFile = join(packageRoot, 'deploy', 'prometheus', 'rules.yml')
const scrapeFile = join(packageRoot, 'deploy', 'prometheus', 'prometheus.yml')
const dashboard = JSON.parse(readFileSync(join(packageRoot, 'deploy', 'grafana', 'switchyard.json'), 'utf8'))

interface Panel { title: string; type: string; targets?: Array<{ expr: string }>; panels?: Panel[] }
const dashboardQueries = (dashboard.panels as Panel[])
  .flatMap((p) => [p, ...(p.panels ?? [])])
  .flatMap((p) => (p.targets ?? []).map((q) => ({ panel: p.title, expr: q.expr })))
const ruleExprs = (parse(readFileSync(rulesFile, 'utf8')).groups as Array<{ rules: Array<{ alert?: string; record?: string; expr: string }> }>)
  .flatMap((g) => g.rules.map((r) => ({ name: r.alert ?? r.record ?? '?', expr: String(r.expr) })))
/** Grafana's template variables, as Grafana would expand them. */
const expand = (expr: string) => expr.replaceAll('$__rate_interval', '1m').replaceAll('$__interval', '15s').replaceAll('$__range', '1h')

const skip = ensurePrometheus((m) => t.comment(m))
if (skip) {
  t.comment(`SKIP: ${skip}`)
  t.pass(`skipped: ${skip}`)
} else {
  t.test('promtool accepts the rules and the scrape config', async (t) => {
    const rules = spawnSync('promtool', ['check', 'rules', rulesFile], { encoding: 'utf8' })
    t.equal(rules.status, 0, `promtool check rules: ${rules.stdout}${rules.stderr}`)
    const config = spawnSync('promtool', ['check', 'config', '--syntax-only', scrapeFile], { encoding: 'utf8' })
    t.equal(config.status, 0, `promtool check config: ${config.stdout}${config.stderr}`)
  })

  t.test('every dashboard query returns data and every rule evaluates against a live gateway', async (t) => {
    t.ok(dashboardQueries.length >= 20, `${dashboardQueries.length} dashboard queries`)
    t.ok(ruleExprs.length >= 6, `${ruleExprs.length} rules`)
    let flaky = 0
    const upstream = await startFakeUpstream(async (req, res) => {
      const model = String(req.body?.model)
      if (model === 'down' || model === 'broken') return sendJson(res, 500, { error: { message: 'boom', type: 'server_error' } })
      if (model === 'flaky' && flaky++ % 2 === 0) return sendJson(res, 503, { error: { message: 'busy', type: 'server_error' } })
      const usage = { prompt_tokens: 20, completion_tokens: 8, total_tokens: 28 }
      if (req.body?.stream) {
        const c = (delta: object, finish: string | null = null) => JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model, choices: [{ index: 0, delta, finish_reason: finish }] })
        return sendSse(res, [c({ role: 'assistant', content: '' }), c({ content: 'hi' }), c({}, 'stop'), JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model, choices: [], usage }), '[DONE]'])
      }
      sendJson(res, 200, { id: 'x', object: 'chat.completion', created: 1, model, choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop', logprobs: null }], usage })
    }, '/v1')
    t.teardown(() => upstream.close())
    const gw = await startGateway({
      providers: { alpha: { type: 'openai', base_url: upstream.url }, beta: { type: 'openai', base_url: upstream.url } },
      models: {
        fast: { targets: [{ provider: 'alpha', model: 'ok' }] },
        flaky: { targets: [{ provider: 'alpha', model: 'flaky' }] },
        smart: { strategy: 'fallback', targets: [{ provider: 'alpha', model: 'down' }, { provider: 'beta', model: 'ok' }] },
        broken: { targets: [{ provider: 'beta', model: 'broken' }] },
        secret: { targets: [{ provider: 'beta', model: 'ok' }] },
      },
      pricing: { 'alpha/ok': { input: 1, output: 2 }, 'beta/ok': { input: 1, output: 2 } },
      resilience: { max_attempts: 2, backoff_base_ms: 1, backoff_max_ms: 2, breaker: { failures: 3, cooldown_ms: 60_000 } },
      auth: { anonymous_team: 'research' },
      teams: { research: { models: ['fast', 'flaky', 'smart', 'broken'] } },
    })
    t.teardown(() => gw.close())
    // stand-in limits stage replacing the real one: refuses when asked to, whatever the counters say
    const limits: LimitStage = {
      async admit(ctx) {
        const h = ctx.headers['x-test-limit']
        if (h === 'rate') throw new GatewayError('rate_limit_exceeded')
        if (h === 'budget') throw new GatewayError('insufficient_quota')
        return {}
      },
      async settle() {},
    }
    gw.gateway.deps.limits = limits
    gw.gateway.deps.metrics.budgetUsedRatio.set({ team: 'research', period: 'day' }, 0.42)

    const prom = await startPrometheus({ targets: [new URL(gw.url).host], ruleFiles: [rulesFile] })
    t.teardown(() => prom.stop())

    const call = (model: string, opts: { stream?: boolean; limit?: string } = {}) =>
      fetch(`${gw.baseURL}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(opts.limit ? { 'x-test-limit': opts.limit } : {}) },
        body: JSON.stringify({ model, stream: opts.stream === true, messages: [{ role: 'user', content: 'hi' }] }),
      }).then(async (r) => (await r.text(), r.status))
    const round = () => Promise.all([
      call('fast'), call('fast', { stream: true }), call('flaky'), call('smart'), call('broken'), call('secret'),
      call('fast', { limit: 'rate' }), call('fast', { limit: 'budget' }),
    ])
    const first = await round()
    t.same(first, [200, 200, 200, 200, 502, 403, 429, 429], 'each kind of call answers as expected')
    // keep traffic flowing across several scrapes so rate() windows hold increases
    const until = Date.now() + 4_000
    while (Date.now() < until) {
      await round()
      await new Promise((r) => setTimeout(r, 250))
    }
    // wait until Prometheus has the latest samples and rules have been evaluated
    const ready = Date.now() + 20_000
    for (;;) {
      const up = await prom.query('up{job="switchyard"} == 1')
      const rules = await prom.get('/api/v1/rules')
      const evaluated = rules.data?.groups?.every((g: { rules: Array<{ lastEvaluation: string }> }) => g.rules.every((r) => !r.lastEvaluation.startsWith('0001')))
      if ((up.data?.result.length ?? 0) > 0 && evaluated) break
      if (Date.now() > ready) break
      await new Promise((r) => setTimeout(r, 250))
    }
    await new Promise((r) => setTimeout(r, 1_500))

    for (const q of dashboardQueries) {
      const res = await prom.query(expand(q.expr))
      t.equal(res.status, 'success', `parses: ${q.panel}: ${q.expr} ${res.error ?? ''}`)
      t.ok((res.data?.result.length ?? 0) > 0, `returns data: ${q.panel}: ${q.expr}`)
    }
    for (const r of ruleExprs) {
      const res = await prom.query(r.expr)
      t.equal(res.status, 'success', `rule parses: ${r.name} ${res.error ?? ''}`)
    }
    const loaded = await prom.get('/api/v1/rules')
    const rules = (loaded.data?.groups ?? []).flatMap((g: { rules: Array<{ name: string; health: string; lastError?: string }> }) => g.rules)
    t.equal(rules.length, ruleExprs.length, 'Prometheus loaded every rule')
    for (const r of rules) t.equal(r.health, 'ok', `rule evaluates: ${r.name} ${r.lastError ?? ''}`)
    const firing = (await prom.get('/api/v1/alerts')).data?.alerts?.map((a: { labels: { alertname: string } }) => a.labels.alertname) ?? []
    t.comment(`alerts pending or firing under the test traffic: ${[...new Set(firing)].join(', ') || 'none'}`)
  })
}
