import t from 'tap'
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, posix } from 'node:path'
import { pino } from 'pino'
import { parseDocument } from 'yaml'
import { loadConfig } from '../../src/config/load.js'
import { createGateway } from '../../src/app/gateway.js'
import { packageRoot } from '../../src/paths.js'
import { find, kustomize } from '../helpers/kustomize.js'

// Checks the rendered Deployment against the gateway it deploys: the config it mounts is the config the
// gateway reads, the probe paths are routes it serves on the port it listens on, and the grace period
// covers preStop plus the drain deadline.

const { objects } = kustomize(join(packageRoot, 'deploy', 'kubernetes', 'overlays', 'example'))
const deployment = find(objects, 'Deployment', 'switchyard')
const pod = deployment.spec.template.spec
const container = pod.containers.find((c: any) => c.name === 'gateway')
const configMap = find(objects, 'ConfigMap', 'switchyard-config')
const configVolume = pod.volumes.find((v: any) => v.configMap?.name === configMap.metadata.name)
const configMount = container.volumeMounts.find((m: any) => m.name === configVolume?.name)
const env = (name: string) => container.env.find((e: any) => e.name === name)?.value
const flag = (args: string[], name: string): string => args[args.indexOf(name) + 1] ?? ''

/** Writes the ConfigMap the way the kubelet does: files are symlinks through `..data` to a timestamped folder. */
function kubeletMount(data: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-cm-'))
  const ts = '..2026_01_01_00_00_00.000000001'
  mkdirSync(join(dir, ts))
  for (const [k, v] of Object.entries(data)) writeFileSync(join(dir, ts, k), v)
  symlinkSync(ts, join(dir, '..data'))
  for (const k of Object.keys(data)) symlinkSync(posix.join('..data', k), join(dir, k))
  return dir
}

t.test('the config mount is what `serve --config` and SWITCHYARD_CONFIG name', async (t) => {
  t.ok(configMount, 'the ConfigMap is mounted into the gateway container')
  t.equal(configMount.subPath, undefined, 'mounted as a directory (subPath mounts never receive ConfigMap updates)')
  t.equal(configMount.readOnly, true)
  const configArg = flag(container.args, '--config')
  t.same(container.args.slice(0, 2), ['switchyard', 'serve'])
  t.equal(configArg, env('SWITCHYARD_CONFIG'), '--config and SWITCHYARD_CONFIG agree')
  t.equal(dirname(configArg), configMount.mountPath, 'the config file lives in the mounted folder')
  t.ok(posix.basename(configArg) in configMap.data, 'the file is a key of the ConfigMap')
  const cfg = parseDocument(configMap.data['gateway.yaml']).toJS()
  for (const ref of [cfg.policy, cfg.pricing]) t.ok(typeof ref === 'string' && ref in configMap.data, `${ref} (relative to gateway.yaml) is in the ConfigMap too`)
  t.equal(cfg.audit.migrate_on_start, false, 'replicas leave migrations to the Job')
  const dataDir = cfg.storage.data_dir
  t.ok(container.volumeMounts.some((m: any) => m.mountPath === dataDir && !m.readOnly), `storage.data_dir ${dataDir} is a writable volume (root filesystem is read-only)`)
})

t.test('a gateway started from the rendered ConfigMap answers the probes on the probed port', async (t) => {
  const dir = kubeletMount(configMap.data)
  const dataDir = mkdtempSync(join(tmpdir(), 'switchyard-k8s-data-'))
  t.teardown(() => {
    rmSync(dir, { recursive: true, force: true })
    rmSync(dataDir, { recursive: true, force: true })
  })
  // The one change: data_dir points at a temp folder instead of the pod's emptyDir.
  const doc = parseDocument(configMap.data['gateway.yaml'])
  doc.setIn(['storage', 'data_dir'], dataDir)
  writeFileSync(join(dir, '..data', 'gateway.yaml'), doc.toString())

  const configPath = join(dir, posix.basename(flag(container.args, '--config')))
  // Embedded storage here: the probes' routes and port are what this test is about.
  const { DATABASE_URL: _d, REDIS_URL: _r, ...embedded } = process.env
  const config = loadConfig(configPath, embedded)
  const http = container.ports.find((p: any) => p.name === 'http')
  t.equal(http.containerPort, config.gateway.server.port, 'containerPort "http" = server.port')
  t.equal(config.gateway.server.host, '0.0.0.0', 'listens on all interfaces so the kubelet can reach it')

  const gw = await createGateway({ configPath, env: embedded, logger: pino({ level: 'silent' }), port: 0, host: '127.0.0.1' })
  const url = await gw.listen()
  t.teardown(() => gw.close())
  for (const [name, probe] of [['readiness', container.readinessProbe], ['liveness', container.livenessProbe]] as const) {
    t.equal(probe.httpGet.port, 'http', `${name} probe uses the named port`)
    const res = await fetch(`${url}${probe.httpGet.path}`)
    t.equal(res.status, 200, `${name} probe ${probe.httpGet.path} answers 200`)
  }
  t.equal(container.readinessProbe.httpGet.path, '/readyz')
  t.equal(container.livenessProbe.httpGet.path, '/healthz')
  t.equal((await fetch(`${url}/no-such-probe`)).status, 404, 'a path the gateway does not serve would fail the check')
})

t.test('the grace period covers preStop plus the configured drain deadline', async (t) => {
  const doc = parseDocument(configMap.data['gateway.yaml'])
  const dir = kubeletMount({ ...configMap.data, 'gateway.yaml': doc.toString() })
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const drainMs = loadConfig(join(dir, 'gateway.yaml'), {}).gateway.server.drain_timeout_ms
  const preStop = container.lifecycle.preStop
  const preStopS = preStop.sleep?.seconds ?? Number(preStop.exec.command.at(-1))
  t.ok(preStopS > 0, `preStop waits ${preStopS}s for endpoint removal`)
  t.same(preStop.exec?.command.slice(0, 1), ['sleep'], 'preStop is a plain sleep (present in the slim image)')
  const grace = pod.terminationGracePeriodSeconds
  t.ok(grace > preStopS + drainMs / 1000, `terminationGracePeriodSeconds ${grace} > preStop ${preStopS}s + drain ${drainMs / 1000}s`)
})
