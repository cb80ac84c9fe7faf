import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import tap from 'tap'
import { createScratchDatabase } from './database.js'
import { stringify } from 'yaml'
import { createGateway, type Gateway, type GatewayOptions } from '../../src/app/gateway.js'

export interface TestGateway {
  gateway: Gateway
  /** Base URL for OpenAI SDKs: http://127.0.0.1:PORT/v1 */
  baseURL: string
  url: string
  dir: string
  close(): Promise<void>
}

/** Writes `files` (name -> YAML text or object) to a temp folder; returns the folder. */
export function writeConfigFiles(files: Record<string, string | object>): string {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-test-'))
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), typeof content === 'string' ? content : stringify(content))
  return dir
}

let scratchUrl: Promise<string> | undefined

/**
 * With DATABASE_URL set, gateways of one test file share a database of their own (created on first
 * use, dropped when the file ends), so files never write into the shared database or each other's.
 */
async function scratchDatabaseEnv(): Promise<Record<string, string>> {
  const server = process.env.DATABASE_URL
  if (!server) return {}
  scratchUrl ??= createScratchDatabase(server).then((db) => {
    tap.teardown(() => db.drop().catch(() => undefined))
    return db.url
  })
  return { DATABASE_URL: await scratchUrl }
}

/**
 * Starts a real gateway on 127.0.0.1:0 from a config object (written as gateway.yaml, plus any
 * extra files such as policy.yaml). Logs are silent unless SWITCHYARD_TEST_LOGS=1.
 */
export async function startGateway(config: object, extraFiles: Record<string, string | object> = {}, opts: Partial<GatewayOptions> = {}): Promise<TestGateway> {
  const dir = writeConfigFiles({ 'gateway.yaml': { storage: { data_dir: join(mkdtempSync(join(tmpdir(), 'switchyard-data-')), 'data') }, ...config }, ...extraFiles })
  const gateway = await createGateway({
    configPath: join(dir, 'gateway.yaml'),
    logger: pino({ level: process.env.SWITCHYARD_TEST_LOGS === '1' ? 'debug' : 'silent' }),
    port: 0,
    host: '127.0.0.1',
    ...opts,
    // an explicit env is used as given; otherwise this process's, with its own scratch database
    env: opts.env ?? { ...process.env, ...(await scratchDatabaseEnv()) },
  })
  const url = await gateway.listen()
  return { gateway, url, baseURL: `${url}/v1`, dir, close: () => gateway.close() }
}
