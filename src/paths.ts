import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The installed package's root (the folder whose package.json names this package), found from this file's location. */
function findPackageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (;;) {
    const manifest = join(dir, 'package.json')
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'switchyard') return dir
      } catch {
        // not ours: keep walking up
      }
    }
    const parent = dirname(dir)
    if (parent === dir) throw new Error('switchyard: cannot locate the package root')
    dir = parent
  }
}

export const packageRoot = findPackageRoot()
export const shippedPath = (...parts: string[]): string => resolve(packageRoot, ...parts)
