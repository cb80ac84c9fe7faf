import { readFileSync } from 'node:fs'

/** One Dockerfile instruction: upper-case keyword, raw argument text, and the JSON (exec) form when used. */
export interface Instruction {
  keyword: string
  args: string
  exec: string[] | null
}

export interface Stage {
  /** Image reference after ARG substitution. */
  from: string
  name: string | null
  instructions: Instruction[]
}

export interface Dockerfile {
  args: Record<string, string>
  stages: Stage[]
}

function execForm(text: string): string[] | null {
  if (!text.startsWith('[')) return null
  try {
    const value: unknown = JSON.parse(text)
    return Array.isArray(value) && value.every((v) => typeof v === 'string') ? value : null
  } catch {
    return null
  }
}

/** Joins `\` continuations, drops comments, and splits the file into stages (enough for our own Dockerfile). */
export function parseDockerfile(text: string): Dockerfile {
  const logical: string[] = []
  let current = ''
  for (const raw of text.split('\n')) {
    const line = raw.trimEnd()
    if (/^\s*#/.test(line) || (current === '' && line.trim() === '')) continue
    if (line.endsWith('\\')) {
      current += `${line.slice(0, -1).trim()} `
      continue
    }
    logical.push((current + line.trim()).trim())
    current = ''
  }
  if (current.trim() !== '') logical.push(current.trim())

  const args: Record<string, string> = {}
  const stages: Stage[] = []
  const subst = (s: string) => s.replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (m, name: string) => args[name] ?? m)
  for (const line of logical) {
    const m = /^(\S+)\s*(.*)$/.exec(line)
    if (!m) continue
    const keyword = m[1]!.toUpperCase()
    const rest = m[2] ?? ''
    if (keyword === 'FROM') {
      const f = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(rest)
      stages.push({ from: subst(f?.[1] ?? rest), name: f?.[2] ?? null, instructions: [] })
      continue
    }
    if (keyword === 'ARG' && stages.length === 0) {
      const [name, value] = rest.split('=', 2) as [string, string | undefined]
      args[name.trim()] = (value ?? '').trim()
      continue
    }
    stages.at(-1)?.instructions.push({ keyword, args: rest, exec: execForm(rest) })
  }
  return { args, stages }
}

export const readDockerfile = (path: string): Dockerfile => parseDockerfile(readFileSync(path, 'utf8'))

/** `HEALTHCHECK [--opt=v ...] CMD ...` split into options and the command. */
export function healthcheck(ins: Instruction): { options: Record<string, string>; cmd: string[] | string } {
  const options: Record<string, string> = {}
  let rest = ins.args
  for (;;) {
    const m = /^--([a-z-]+)=(\S+)\s+/.exec(rest)
    if (!m) break
    options[m[1]!] = m[2]!
    rest = rest.slice(m[0].length)
  }
  const cmd = rest.replace(/^CMD\s+/i, '')
  return { options, cmd: execForm(cmd) ?? cmd }
}

/** Docker's .dockerignore semantics, simplified: the last matching pattern wins; a match on a parent folder counts. */
export function dockerIgnore(text: string): (path: string) => boolean {
  const patterns = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const negate = l.startsWith('!')
      const body = (negate ? l.slice(1) : l).replace(/^\/+|\/+$/g, '')
      const re = new RegExp(`^${body.split('**').map((p) => p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')).join('.*')}$`)
      return { negate, re }
    })
  return (path) => {
    const parts = path.split('/')
    const prefixes = parts.map((_, i) => parts.slice(0, i + 1).join('/'))
    let ignored = false
    for (const p of patterns) if (prefixes.some((x) => p.re.test(x))) ignored = !p.negate
    return ignored
  }
}
