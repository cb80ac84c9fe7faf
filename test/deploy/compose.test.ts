import t from 'tap'
import { existsSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, posix, resolve } from 'node:path'
import { parse } from 'yaml'
import { loadConfig } from '../../src/config/load.js'
import { packageRoot } from '../../src/paths.js'
import { readDockerfile } from '../helpers/dockerfile.js'

// deploy/compose.yaml must agree with the Dockerfile (image, port, volumes, command) and with the
// config it mounts (server.port, provider key variables, drain deadline).

const deployDir = join(packageRoot, 'deploy')
const compose = parse(readFileSync(join(deployDir, 'compose.yaml'), 'utf8'), { merge: true })
const services: Record<string, any> = compose.services
const final = readDockerfile(join(packageRoot, 'Dockerfile')).stages.at(-1)!
const dockerfileValue = (k: string) => final.instructions.filter((i) => i.keyword === k).at(-1)!
const exposed = Number(dockerfileValue('EXPOSE').args)
const imageVolumes = dockerfileValue('VOLUME').exec!
const imageCmd = dockerfileValue('CMD').exec!
const configPathInImage = /SWITCHYARD_CONFIG=(\S+)/.exec(final.instructions.filter((i) => i.keyword === 'ENV').map((i) => i.args).join(' '))![1]!
const gateways = Object.entries(services).filter(([, s]) => Array.isArray(s.command) && s.command.includes('serve'))

/** Short volume syntax `src:target[:mode]` → parts, source resolved against the compose folder when it is a path. */
function volumes(svc: any): Array<{ source: string; target: string; readOnly: boolean; bind: boolean }> {
  return (svc.volumes ?? []).map((v: string) => {
    const [source, target, mode] = v.split(':') as [string, string, string | undefined]
    const bind = source.startsWith('.') || source.startsWith('/')
    return { source: bind ? resolve(deployDir, source) : source, target, readOnly: mode === 'ro', bind }
  })
}
const containerPort = (p: string) => Number(String(p).split(':').at(-1)!.split('/')[0])
const hostPort = (p: string) => Number(String(p).split(':').at(-2))
const flag = (cmd: string[], name: string) => cmd[cmd.indexOf(name) + 1]!

t.test('the stack has two gateways, migrations first, Postgres, Redis, Prometheus and Grafana', async (t) => {
  t.equal(gateways.length, 2, 'two gateway replicas')
  for (const name of ['postgres', 'redis', 'migrate', 'prometheus', 'grafana']) t.ok(services[name], `service ${name}`)
  for (const [name, s] of gateways) {
    t.same(s.depends_on.migrate, { condition: 'service_completed_successfully' }, `${name} starts after the migration finished`)
    t.equal(s.depends_on.postgres.condition, 'service_healthy')
    t.equal(s.depends_on.redis.condition, 'service_healthy')
  }
  t.same(services.migrate.command, ['switchyard', 'migrate'], 'the migration is the image\'s one-off `switchyard migrate`')
  t.equal(services.migrate.depends_on.postgres.condition, 'service_healthy')
  for (const name of ['postgres', 'redis']) t.ok(services[name].healthcheck?.test, `${name} has a healthcheck for service_healthy`)
  for (const [name, s] of Object.entries(services)) t.match(s.image, /^[a-z0-9./-]+:[A-Za-z0-9._-]+$/, `${name}: image pinned by tag`)
})

t.test('gateway services run the Dockerfile image with its command, port and volumes', async (t) => {
  const dataVolume = imageVolumes.find((v) => v !== posix.dirname(configPathInImage))!
  const hostPorts = new Set<number>()
  for (const [name, s] of [...gateways, ['migrate', services.migrate] as [string, any]]) {
    t.equal(s.image, gateways[0]![1].image, `${name}: same image`)
    t.ok(existsSync(join(resolve(deployDir, s.build.context), s.build.dockerfile)), `${name}: builds ${s.build.dockerfile} from ${s.build.context}`)
    const env = s.environment
    t.equal(env.SWITCHYARD_CONFIG, configPathInImage, `${name}: SWITCHYARD_CONFIG as in the image`)
    const cfgMount = volumes(s).find((v) => v.target === posix.dirname(configPathInImage))
    t.ok(cfgMount?.bind && cfgMount.readOnly, `${name}: config folder mounted read-only at ${posix.dirname(configPathInImage)}`)
    const hostConfig = join(cfgMount!.source, posix.basename(configPathInImage))
    t.ok(statSync(hostConfig).isFile(), `${name}: the mounted folder has ${posix.basename(configPathInImage)}`)
    const config = loadConfig(hostConfig, {})
    t.match(env.DATABASE_URL, /^postgres:\/\/switchyard:switchyard@postgres:5432\/switchyard$/, `${name}: DATABASE_URL reaches the postgres service`)
    t.equal(services.postgres.environment.POSTGRES_PASSWORD, 'switchyard')
    if (name === 'migrate') continue

    t.same(s.command, imageCmd, `${name}: command = Dockerfile CMD`)
    t.equal(flag(s.command, '--config'), configPathInImage)
    t.equal(env.REDIS_URL, 'redis://redis:6379', `${name}: REDIS_URL reaches the redis service`)
    t.equal(s.ports.length, 1)
    t.equal(containerPort(s.ports[0]), config.gateway.server.port, `${name}: container port = server.port`)
    t.equal(containerPort(s.ports[0]), exposed, `${name}: container port = EXPOSE`)
    hostPorts.add(hostPort(s.ports[0]))
    t.ok(volumes(s).some((v) => v.target === dataVolume && !v.bind), `${name}: its own named volume at ${dataVolume} (audit spool)`)
    for (const p of Object.values(config.gateway.providers)) if (p.api_key_env) t.ok(p.api_key_env in env, `${name}: passes ${p.api_key_env}`)
    t.ok('SWITCHYARD_ADMIN_TOKEN' in env)
    for (const v of ['SWITCHYARD_ADMIN_TOKEN', ...Object.values(config.gateway.providers).flatMap((p) => (p.api_key_env ? [p.api_key_env] : []))]) {
      t.match(env[v], /^\$\{[A-Z_]+(:-)?\}$/, `${name}: ${v} comes from the caller's environment, not the file`)
    }
    const grace = /^(\d+)s$/.exec(s.stop_grace_period)
    t.ok(grace && Number(grace[1]) * 1000 > config.gateway.server.drain_timeout_ms, `${name}: stop_grace_period ${s.stop_grace_period} > drain deadline`)
  }
  t.equal(hostPorts.size, gateways.length, 'each replica is published on its own host port')
  const named = volumes(services[gateways[0]![0]]).concat(volumes(services[gateways[1]![0]])).filter((v) => !v.bind).map((v) => v.source)
  t.equal(new Set(named).size, named.length, 'replicas do not share a spool volume')
  for (const s of Object.values(services)) for (const v of volumes(s)) if (!v.bind) t.ok(v.source in compose.volumes, `named volume ${v.source} declared`)
})

t.test('Prometheus scrapes both gateways and loads the rules', async (t) => {
  const mounts = volumes(services.prometheus)
  for (const m of mounts.filter((m) => m.bind)) t.ok(existsSync(m.source), `${m.source} exists`)
  const configMount = mounts.find((m) => m.target === flag(services.prometheus.command.flatMap((a: string) => a.split('=')), '--config.file'))
  t.ok(configMount, 'the --config.file path is a mounted file')
  const prom = parse(readFileSync(configMount!.source, 'utf8'))
  for (const ruleFile of prom.rule_files ?? []) {
    const inContainer = posix.resolve(posix.dirname(configMount!.target), ruleFile)
    t.ok(mounts.some((m) => m.target === inContainer), `rule file ${ruleFile} is mounted at ${inContainer}`)
  }
  t.ok((prom.rule_files ?? []).length > 0, 'rules are loaded')
  const targets: string[] = (prom.scrape_configs ?? []).flatMap((j: any) => (j.static_configs ?? []).flatMap((c: any) => c.targets ?? []))
  for (const [name] of gateways) t.ok(targets.includes(`${name}:${exposed}`), `scrapes ${name}:${exposed}`)
})

t.test('Grafana is provisioned with the Prometheus datasource and the dashboard', async (t) => {
  const mounts = volumes(services.grafana)
  const prov = mounts.find((m) => m.target === '/etc/grafana/provisioning')
  t.ok(prov && existsSync(join(prov.source, 'datasources')) && existsSync(join(prov.source, 'dashboards')), 'provisioning folder with datasources/ and dashboards/')
  const ds = parse(readFileSync(join(prov!.source, 'datasources', 'prometheus.yaml'), 'utf8')).datasources[0]
  const promPort = containerPort(services.prometheus.ports[0])
  t.equal(ds.url, `http://prometheus:${promPort}`, 'datasource points at the prometheus service')
  const provider = parse(readFileSync(join(prov!.source, 'dashboards', 'switchyard.yaml'), 'utf8')).providers[0]
  const dashboard = mounts.find((m) => posix.dirname(m.target) === provider.options.path)
  t.ok(dashboard, `a dashboard file is mounted in ${provider.options.path}`)
  t.equal(dashboard!.source, join(deployDir, 'grafana', 'switchyard.json'))
  const json = JSON.parse(readFileSync(dashboard!.source, 'utf8'))
  t.ok(Array.isArray(json.panels) && json.title, 'the dashboard is Grafana JSON')
  t.equal(dirname(dashboard!.source), join(deployDir, 'grafana'))
})
