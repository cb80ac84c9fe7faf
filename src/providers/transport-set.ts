import { DemoTransport } from './demo/transport.js'
import { UndiciTransport, type Transport } from './shared/transport.js'
import type { Target } from './types.js'

/** Picks the transport for a target: in-process for `demo`, undici pools for everything on the network. */
export class TransportSet {
  constructor(
    readonly http: Transport = new UndiciTransport(),
    readonly demo: Transport = new DemoTransport(),
  ) {}

  for(target: Target): Transport {
    return target.config.type === 'demo' ? this.demo : this.http
  }

  async close(): Promise<void> {
    await Promise.all([this.http.close(), this.demo.close()])
  }
}
