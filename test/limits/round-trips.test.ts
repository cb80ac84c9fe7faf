import t from 'tap'
import { startFakeUpstream } from '../helpers/fake-upstream.js'
import { startGateway } from '../helpers/gateway.js'
import { dropPrefix, newRedis, redisUrl } from '../helpers/limits.js'
import { chat, limitsConfig, usageUpstream } from './helpers.js'

// Acceptance 4: the limiter adds no more than one Redis round trip per request, counted with MONITOR.
if (!redisUrl) {
  t.comment('limit store: in-process (REDIS_URL unset): no Redis round trips to count')
  t.pass('skipped without REDIS_URL')
} else {
  t.comment(`limit store: redis (${redisUrl})`)
  t.test('one EVALSHA per request, carrying every check, increment and the previous charge', async (t) => {
    const upstream = await startFakeUpstream(usageUpstream({ prompt: 7, completion: 3 }), '/v1')
    // every kind of limit at once, for the team and for the key; background flush pushed out of the way
    const config = limitsConfig(upstream.url, { rpm: 1000, tpm: 1_000_000, budget_usd: { day: 100, month: 1000 } }, { flush_ms: 600_000 })
    config.teams.t1.keys[0] = { ...config.teams.t1.keys[0]!, rpm: 500, tpm: 500_000, budget_usd: { day: 50 } } as (typeof config.teams.t1.keys)[0]
    const prefix = config.limits.key_prefix
    const gw = await startGateway(config)
    const admin = newRedis()
    t.teardown(async () => {
      await gw.close()
      await upstream.close()
      await dropPrefix(admin, prefix)
      admin.disconnect()
    })

    await (await chat(gw.baseURL)).arrayBuffer() // warm-up: loads the script (EVALSHA, NOSCRIPT, EVAL)

    const base = newRedis()
    const monitor = await base.monitor() // a connection of its own, in MONITOR mode
    const seen: string[][] = []
    t.teardown(() => {
      monitor.disconnect()
      base.disconnect()
    })
    // commands the script runs inside Redis show up with source "lua"; round trips are the others
    monitor.on('monitor', (_time: string, args: string[], source: string) => {
      if (source !== 'lua' && args.some((a) => a.startsWith(prefix))) seen.push(args)
    })
    await new Promise((r) => setTimeout(r, 100))

    const N = 20
    for (let i = 0; i < N; i++) await (await chat(gw.baseURL, i % 2 === 0 ? { stream: true } : {})).arrayBuffer()
    await new Promise((r) => setTimeout(r, 200))
    const during = seen.length
    const commands = new Set(seen.map((a) => a[0]!.toLowerCase()))
    t.comment(`${N} requests: ${during} Redis commands on the limiter's keys (${[...commands].join(', ')})`)
    t.equal(during, N, 'exactly one command per request')
    t.same([...commands], ['evalsha'], 'and that command is the admission script')
    // each call names 2 windows and 4 budgets; from the second on it also carries the previous call's charge
    t.ok(seen.every((a) => Number(a[2]) >= 6), 'every check in that one call')

    await gw.close() // flushes the last call's charge: one more command for the whole session
    await new Promise((r) => setTimeout(r, 200))
    t.equal(seen.length, N + 1, 'close writes the charge still held')

    const teamWindow = await admin.hgetall(`${prefix}{t1}:w:team`)
    t.same(teamWindow, { r: String(N + 1), t: String((N + 1) * 10) }, 'every request and every token was counted')
    const day = new Date().toISOString().slice(0, 10).replace(/-/g, '')
    const spent = Number(await admin.get(`${prefix}{t1}:usd:team:d:${day}`))
    t.ok(Math.abs(spent - (N + 1) * (7 * 1 + 3 * 3) / 1e6) < 1e-9, `team spend today ${spent}`)
  })
}
