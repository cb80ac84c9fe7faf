import { createGateway } from '../app/gateway.js'
import { ConfigError } from '../config/yaml-source.js'
import { GatewayError } from '../errors/gateway-error.js'

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
      if (stopping) {
        // a second signal: no shutdown delay, stop waiting for in-flight calls (they still get an error and an audit row)
        gateway.deps.lifecycle.hurry?.()
        const cut = gateway.deps.inflight?.cutAll(new GatewayError('shutting_down', 'The gateway was told to stop at once.')) ?? 0
        gateway.app.log.warn({ signal, cut }, 'second signal: cutting in-flight calls')
        return
      }
      stopping = true
      gateway.app.log.info({ signal }, 'draining')
      gateway.close().then(
        () => {
          // whatever still holds the event loop open must not keep a drained gateway alive
          setTimeout(() => process.exit(0), 2_000).unref()
          resolve(0)
        },
        (err) => {
          gateway.app.log.error({ err }, 'shutdown failed')
          resolve(1)
        },
      )
    }
    process.on('SIGTERM', () => stop('SIGTERM'))
    process.on('SIGINT', () => stop('SIGINT'))
  })
}
