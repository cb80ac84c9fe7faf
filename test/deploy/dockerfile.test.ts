import t from 'tap'
import { spawn, spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, posix, relative } from 'node:path'
import { pino } from 'pino'
import ts from 'typescript'
import { loadConfig } from '../../src/config/load.js'
import { createGateway } from '../../src/app/gateway.js'
import { packageRoot } from '../../src/paths.js'
import { dockerIgnore, healthcheck, readDockerfile, type Instruction, type Stage } from '../helpers/dockerfile.js'

const root = packageRoot
const df = readDockerfile(join(root, 'Dockerfile'))
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
const ignored = dockerIgnore(readFileSync(join(root, '.dockerignore'), 'utf8'))
const final = df.stages.at(-1)!
const build = df.stages.find((s) => s.name === 'build')!
const all = (s: Stage, k: string): Instruction[] => s.instructions.filter((i) => i.keyword === k)
const last = (s: Stage, k: string): Instruction | undefined => all(s, k).at(-1)
const runs = (s: Stage) => all(s, 'RUN').map((i) => i.args)
/** COPY sources and destination; `from` is the stage for --from copies. */
const copies = (s: Stage) =>
  all(s, 'COPY').map((i) => {
    const words = i.args.split(/\s+/)
    const from = words.find((w) => w.startsWith('--from='))?.slice(7) ?? null
    const paths = words.filter((w) => !w.startsWith('--'))
    return { from, srcs: paths.slice(0, -1), dest: paths.at(-1)! }
  })
const envOf = (s: Stage): Record<string, string> =>
  Object.fromEntries(all(s, 'ENV').flatMap((i) => [...i.args.matchAll(/([A-Z_][A-Z0-9_]*)=(\S+)/g)].map((m) => [m[1]!, m[2]!])))
const workdirAt = (s: Stage, i: Instruction) => s.instructions.slice(0, s.instructions.indexOf(i)).filter((x) => x.keyword === 'WORKDIR').at(-1)?.args ?? '/'
const walk = (dir: string): string[] => readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? walk(join(dir, n)) : [join(dir, n)]))
const exposed = Number(last(final, 'EXPOSE')?.args.split('/')[0])
const configEnv = envOf(final).SWITCHYARD_CONFIG!
/** The repo file that ends up at an absolute path of the final image through a plain `COPY <dir> <abs dir>`. */
function repoFileFor(imagePath: string): string | null {
  for (const c of copies(final).filter((c) => c.from === null)) {
    if (c.dest.startsWith('/') && imagePath.startsWith(`${c.dest.replace(/\/$/, '')}/`) && c.srcs.length === 1) return join(root, c.srcs[0]!, posix.relative(c.dest, imagePath))
  }
  return null
}

t.test('two stages on a pinned Node 24 slim base', async (t) => {
  t.equal(df.stages.length, 2)
  for (const s of df.stages) t.match(s.from, /^node:24\.\d+\.\d+-[a-z]+-slim$/, `${s.name}: ${s.from} is Node 24, slim, pinned to a patch tag`)
})

t.test('the build stage produces the `npm ci && npm run build` artefact', async (t) => {
  const ci = runs(build).find((r) => /^npm ci\b/.test(r))
  t.ok(ci && !ci.includes('--omit'), 'build stage: npm ci with dev dependencies')
  const srcBeforeCi = build.instructions.findIndex((i) => i.keyword === 'COPY' && /\bsrc\b/.test(i.args)) < build.instructions.findIndex((i) => i.args === ci)
  if (pkg.scripts.prepare && !srcBeforeCi) t.match(ci, /--ignore-scripts/, '`prepare` (tsc) cannot run before src is copied: npm ci --ignore-scripts')
  t.ok(runs(build).includes('npm run build'), 'build stage: npm run build')
  t.match(pkg.scripts.build, /^tsc -p tsconfig\.json$/, 'npm run build is tsc')

  // Recreate the build stage's context (COPY sources filtered by .dockerignore) and ask tsc for its input files:
  // the same sources, tsconfig and lockfile as the repo means the same dist.
  const ctx = mkdtempSync(join(tmpdir(), 'switchyard-docker-ctx-'))
  t.teardown(() => rmSync(ctx, { recursive: true, force: true }))
  for (const c of copies(build)) {
    t.equal(c.from, null)
    for (const src of c.srcs) {
      t.notOk(ignored(src), `${src} is in the build context`)
      cpSync(join(root, src), join(ctx, src), { recursive: true, filter: (p) => !ignored(relative(root, p)) })
    }
  }
  symlinkSync(join(root, 'node_modules'), join(ctx, 'node_modules'), 'dir')
  const tsc = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json', '--listFilesOnly'], { cwd: ctx, encoding: 'utf8' })
  t.equal(tsc.status, 0, 'tsc accepts the build context')
  const inImage = tsc.stdout
    .split('\n')
    .filter((f) => f.startsWith(ctx) && !f.includes('node_modules'))
    .map((f) => relative(ctx, f))
    .sort()
  const repoSources = walk(join(root, 'src'))
    .filter((f) => f.endsWith('.ts'))
    .map((f) => relative(root, f))
    .sort()
  t.ok(inImage.includes('src/cli/main.ts'), 'the CLI entry point is compiled in the image')
  t.same(inImage, repoSources, "tsc compiles exactly the repo's src files in the build stage")
})

t.test('the final stage: production dependencies, the compiled CLI, shipped files', async (t) => {
  const ci = runs(final).find((r) => /^npm ci --omit=dev\b/.test(r))
  t.ok(ci, 'npm ci --omit=dev')
  const lifecycle = ['preinstall', 'install', 'postinstall', 'prepare'].filter((s) => pkg.scripts?.[s])
  if (lifecycle.length > 0) t.match(ci, /--ignore-scripts/, `the package's ${lifecycle.join(', ')} script needs dev tools: npm ci --omit=dev --ignore-scripts`)
  const dist = copies(final).find((c) => c.from === 'build')
  t.ok(dist, 'copies from the build stage')
  const workdir = workdirAt(final, all(final, 'COPY').find((i) => i.args.includes('--from=build'))!)
  t.equal(posix.relative(workdir, posix.resolve(workdir, dist!.dest)), 'dist/src', 'tsc output (outDir dist, rootDir .) lands at dist/src')
  t.equal(dist!.srcs[0], `${workdir}/dist/src`)
  t.ok(pkg.bin.switchyard.startsWith('dist/src/'), `the bin (${pkg.bin.switchyard}) is inside the copied folder`)
  const shipped = copies(final).filter((c) => c.from === null).flatMap((c) => c.srcs)
  for (const f of ['package.json', 'package-lock.json', 'migrations', 'config']) {
    t.ok(shipped.includes(f), `ships ${f} (the package root is found by package.json; migrations are read from it)`)
    t.ok(existsSync(join(root, f)), `${f} exists (COPY fails on a missing source)`)
    t.notOk(ignored(f), `${f} is not excluded by .dockerignore`)
  }
  for (const f of ['node_modules', 'dist', '.git', 'data', '.env', 'test']) t.ok(ignored(f), `.dockerignore excludes ${f}`)

  // Whatever src imports at run time must be a production dependency, or the image fails at start.
  const runtimeImports = new Set<string>()
  for (const file of walk(join(root, 'src')).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))) {
    const js = ts.transpileModule(readFileSync(file, 'utf8'), { compilerOptions: { module: ts.ModuleKind.NodeNext, target: ts.ScriptTarget.ES2022 } }).outputText
    for (const m of js.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)['"]([^'"./][^'"]*)['"]/g)) runtimeImports.add(m[1]!)
  }
  const prodDeps = Object.keys(pkg.dependencies ?? {})
  for (const spec of runtimeImports) {
    if (spec.startsWith('node:')) continue
    const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!
    t.ok(prodDeps.includes(name), `runtime import ${spec} is in dependencies`)
  }
})

t.test('non-root, tini as init, config from a volume, migrations as a one-off', async (t) => {
  const user = last(final, 'USER')!.args
  t.match(user, /^\d+(:\d+)?$/, 'numeric USER (Kubernetes can check runAsNonRoot)')
  t.not(user.split(':')[0], '0', 'not root')
  t.ok(runs(final).some((r) => /apt-get install .*\btini\b/.test(r)), 'tini installed')
  t.same(last(final, 'ENTRYPOINT')!.exec, ['tini', '--'], 'tini is PID 1 and forwards SIGTERM to node')
  const cmd = last(final, 'CMD')!.exec!
  t.same(cmd.slice(0, 2), ['switchyard', 'serve'])
  t.equal(cmd[cmd.indexOf('--config') + 1], configEnv, 'CMD --config = SWITCHYARD_CONFIG')
  const volumes = last(final, 'VOLUME')!.exec!
  t.ok(volumes.includes(posix.dirname(configEnv)), `${posix.dirname(configEnv)} is a volume`)
  t.ok(runs(final).some((r) => r.includes('/usr/local/bin/switchyard')), '`switchyard` is on PATH, so `switchyard migrate` runs as a one-off command')
  const baked = repoFileFor(configEnv)
  t.ok(baked && existsSync(baked), `the default ${configEnv} comes from ${baked && relative(root, baked)}`)
  const dataVolume = volumes.find((v) => v !== posix.dirname(configEnv))!
  t.equal(envOf(final).SWITCHYARD_DATA_DIR, dataVolume, 'a config without storage.data_dir (the baked one) keeps its data in the data volume')
  t.equal(loadConfig(baked!, { SWITCHYARD_DATA_DIR: dataVolume }).dataDir, dataVolume, 'the baked config sets no data_dir of its own (it would resolve under the read-only config volume)')
})

async function freePort(): Promise<number> {
  const srv = createServer()
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r))
  const port = (srv.address() as { port: number }).port
  await new Promise((r) => srv.close(r))
  return port
}

function runHealthcheck(cmd: string[], port: number): Promise<number> {
  const argv = cmd.map((a) => a.replace(`127.0.0.1:${exposed}`, `127.0.0.1:${port}`))
  const [bin, ...args] = argv
  return new Promise((resolve) => spawn(bin === 'node' ? process.execPath : bin!, args, { stdio: 'ignore' }).on('exit', (code) => resolve(code ?? 1)))
}

t.test('EXPOSE and HEALTHCHECK match the gateway the image runs', async (t) => {
  const baked = repoFileFor(configEnv)!
  const config = loadConfig(baked, {})
  t.equal(exposed, config.gateway.server.port, `EXPOSE ${exposed} = server.port of the baked config`)
  const hc = healthcheck(last(final, 'HEALTHCHECK')!)
  t.ok(Array.isArray(hc.cmd) && hc.cmd[0] === 'node', 'the health check runs node (no curl in the slim image)')
  const cmd = hc.cmd as string[]
  const url = /https?:\/\/[^'"\s)]+/.exec(cmd.join(' '))?.[0]
  t.equal(url, `http://127.0.0.1:${exposed}/healthz`, 'it fetches /healthz on the exposed port')

  const dataDir = mkdtempSync(join(tmpdir(), 'switchyard-docker-data-'))
  const { DATABASE_URL: _d, REDIS_URL: _r, ...embedded } = process.env
  // as the image's SWITCHYARD_DATA_DIR, pointed at a scratch folder
  const env = { ...embedded, SWITCHYARD_DATA_DIR: dataDir }
  const gw = await createGateway({ configPath: baked, env, logger: pino({ level: 'silent' }), port: 0, host: '127.0.0.1' })
  const base = await gw.listen()
  t.teardown(async () => {
    await gw.close()
    rmSync(dataDir, { recursive: true, force: true })
  })
  t.equal((await fetch(`${base}/healthz`)).status, 200, 'the gateway serves /healthz')
  const port = Number(new URL(base).port)
  t.equal(await runHealthcheck(cmd, port), 0, 'the HEALTHCHECK command succeeds against a running gateway')
  t.equal(await runHealthcheck(cmd, await freePort()), 1, 'and fails when nothing listens')
})
