import { createGateway } from '../gateway.js'
import { ConfigError } from '../config/yaml-source.js'

/** `switchyard serve`: run the gateway until SIGTERM/SIGINT, then drain and exit 0. */
export async function serve(configPath: string): Promise<number> {
  let gateway
  try {
    gateway = await createGateway({ configPath })
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`)
      return 1
    }
    throw err
  }
  const url = await gateway.listen()
  gateway.app.log.info({ url, config: gateway.config.file, policy: gateway.deps.runtime.current.policy.version }, 'switchyard listening')

  return await new Promise<number>((resolve) => {
    let stopping = false
    const stop = (signal: string) => {
      if (stopping) return
      stopping = true
      gateway.app.log.info({ signal }, 'draining')
      gateway.close().then(
        () => resolve(0),
        (err) => {
          gateway.app.log.error({ err }, 'shutdown failed')
          resolve(1)
        },
      )
    }
    process.once('SIGTERM', () => stop('SIGTERM'))
    process.once('SIGINT', () => stop('SIGINT'))
  })
}
