import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { packageRoot } from '../../src/paths.js'

const dir = join(packageRoot, 'test', 'fixtures', 'providers')

export const fixtureText = (provider: string, name: string): string => readFileSync(join(dir, provider, name), 'utf8')
export const fixtureJson = (provider: string, name: string): any => JSON.parse(fixtureText(provider, name))

/** Splits an .sse fixture into its frames (each ending in a blank line), keeping them byte for byte. */
export const sseFrames = (text: string): string[] => text.split(/(?<=\n\n)/).filter((f) => f.trim() !== '')
