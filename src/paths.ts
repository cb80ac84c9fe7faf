import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The installed package's root (the folder holding package.json), found from this file's location. */
function findPackageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'migrations'))) return dir
    const parent = dirname(dir)
    if (parent === dir) throw new Error('switchyard: cannot locate the package root')
    dir = parent
  }
}

export const packageRoot = findPackageRoot()
export const shippedPath = (...parts: string[]): string => resolve(packageRoot, ...parts)
