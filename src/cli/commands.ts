import { parseArgs } from 'node:util'
import { shippedPath } from '../paths.js'
import { policyCommand } from './policy.js'
import { serve } from './serve.js'
import { runMigrate } from './migrate.js'
import { runUsage } from './usage.js'
import { runKeys } from './keys.js'
import { runImport } from './import.js'

type Command = { summary: string; run(argv: string[]): Promise<number> }

/** Every CLI subcommand: one line each; a feature adds its command module here. */
export const commands: Record<string, Command> = {
  serve: {
    summary: 'serve [--config FILE]          run the gateway',
    async run(argv) {
      const { values } = parseArgs({ args: argv, options: { config: { type: 'string', short: 'c' } } })
      return serve(values.config ?? defaultConfigPath())
    },
  },
  usage: { summary: 'usage [--by team|model|key|session] [--since 7d] [--format table|csv|json]   spend from the audit log', run: (argv) => runUsage(argv, defaultConfigPath()) },
  migrate: {
    summary: 'migrate [--config FILE]        apply database migrations (idempotent)',
    run: async (argv) => runMigrate(parseArgs({ args: argv, options: { config: { type: 'string', short: 'c' } } }).values.config ?? defaultConfigPath()),
  },
  keys: { summary: 'keys create|list|revoke ...     manage Switchyard API keys (see `switchyard keys`)', run: (argv) => runKeys(argv, defaultConfigPath()) },
  import: { summary: 'import litellm|portkey FILE [--out DIR]   a LiteLLM or Portkey config as gateway.yaml + policy.yaml', run: (argv) => runImport(argv) },
  policy: { summary: 'policy check|test|explain [--config FILE | POLICY] [--request req.json --team T]', run: (argv) => policyCommand(argv, defaultConfigPath) },
}

const defaultConfigPath = (): string => process.env.SWITCHYARD_CONFIG ?? shippedPath('config', 'gateway.yaml')
