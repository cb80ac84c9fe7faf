#!/usr/bin/env node
import { commands } from './commands.js'

const usage = () =>
  `Usage: switchyard <command> [options]\n\nCommands:\n${Object.values(commands)
    .map((c) => `  ${c.summary}`)
    .join('\n')}\n`

const [name, ...rest] = process.argv.slice(2)
const command = name ? commands[name] : undefined
if (!command) {
  process.stderr.write(usage())
  process.exitCode = name === undefined || name === '--help' || name === '-h' ? 0 : 2
} else {
  try {
    process.exitCode = await command.run(rest)
  } catch (err) {
    process.stderr.write(`switchyard ${name}: ${(err as Error).message}\n`)
    process.exitCode = 1
  }
}
