import { parseArgs } from 'node:util'
import { shippedPath } from '../paths.js'
import { serve } from './serve.js'

export type Command = { summary: string; run(argv: string[]): Promise<number> }

/** Every CLI subcommand: one line each; a feature adds its command module here. */
export const commands: Record<string, Command> = {
  serve: {
    summary: 'serve [--config FILE]          run the gateway',
    async run(argv) {
      const { values } = parseArgs({ args: argv, options: { config: { type: 'string', short: 'c' } } })
      return serve(values.config ?? defaultConfigPath())
    },
  },
}

export const defaultConfigPath = (): string => process.env.SWITCHYARD_CONFIG ?? shippedPath('config', 'gateway.yaml')
