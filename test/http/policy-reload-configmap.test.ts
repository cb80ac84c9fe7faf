import t from 'tap'
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { pino } from 'pino'
import { stringify } from 'yaml'
import { createGateway } from '../../src/app/gateway.js'
import { startFakeUpstream, sendJson } from '../helpers/fake-upstream.js'

/**
 * Kubernetes mounts a ConfigMap as `..<timestamp>/` folders, a `..data` symlink to the current one, and
 * one symlink per key pointing through `..data`. An update writes a new folder, swaps `..data` with a
 * rename, and deletes the old folder. The gateway must pick that up with no restart.
 */
const policy = (route: string) => `rules:\n  - name: to-${route}\n    when: { model: auto }\n    route: ${route}\n`

t.test('a ConfigMap-style symlink swap reloads the policy within two seconds', async (t) => {
  const upstream = await startFakeUpstream((req, res) =>
    sendJson(res, 200, {
      id: 'x', object: 'chat.completion', created: 1, model: req.body.model,
      choices: [{ index: 0, message: { role: 'assistant', content: 'ok', refusal: null }, finish_reason: 'stop', logprobs: null }],
      usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
    }), '/v1')
  const mount = mkdtempSync(join(tmpdir(), 'sy-configmap-'))
  const gatewayYaml = stringify({
    auth: { anonymous_team: 'demo' },
    teams: { demo: {} },
    providers: { up: { type: 'openai', base_url: upstream.url } },
    models: { a: { targets: [{ provider: 'up', model: 'model-a' }] }, b: { targets: [{ provider: 'up', model: 'model-b' }] }, auto: { targets: [{ provider: 'up', model: 'model-a' }] } },
    policy: 'policy.yaml',
    storage: { data_dir: join(mount, '..', `${mount.split('/').pop()}-data`) },
  })
  const publish = (version: string, route: string) => {
    mkdirSync(join(mount, version))
    writeFileSync(join(mount, version, 'gateway.yaml'), gatewayYaml)
    writeFileSync(join(mount, version, 'policy.yaml'), policy(route))
    symlinkSync(version, join(mount, '..data_tmp'))
    renameSync(join(mount, '..data_tmp'), join(mount, '..data'))
  }
  publish('..2026_11_24_01_00_00.1', 'a')
  symlinkSync('..data/gateway.yaml', join(mount, 'gateway.yaml'))
  symlinkSync('..data/policy.yaml', join(mount, 'policy.yaml'))

  const gw = await createGateway({ configPath: join(mount, 'gateway.yaml'), logger: pino({ level: 'silent' }), port: 0, host: '127.0.0.1', env: { ...process.env, DATABASE_URL: '', REDIS_URL: '' } })
  const url = await gw.listen()
  t.teardown(async () => {
    await gw.close()
    await upstream.close()
    rmSync(mount, { recursive: true, force: true })
  })
  const served = async () => {
    const res = await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'hi' }] }) })
    await res.arrayBuffer()
    return res.headers.get('x-switchyard-model')
  }
  t.equal(await served(), 'model-a')

  publish('..2026_11_24_01_05_00.2', 'b')
  rmSync(join(mount, '..2026_11_24_01_00_00.1'), { recursive: true })
  const start = Date.now()
  let model = await served()
  while (model !== 'model-b' && Date.now() - start < 5000) {
    await sleep(50)
    model = await served()
  }
  t.equal(model, 'model-b', 'routing follows the new ConfigMap content')
  t.ok(Date.now() - start < 2000, `reloaded after ${Date.now() - start} ms`)
})
