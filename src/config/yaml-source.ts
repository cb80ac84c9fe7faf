import { readFileSync } from 'node:fs'
import { isMap, isNode, isScalar, LineCounter, parseDocument, type Document } from 'yaml'
import type { z } from 'zod'

export interface SourceProblem {
  file: string
  line: number
  col: number
  message: string
}

/** One or more problems in config or policy files, each printable as FILE:LINE:COL message. */
export class ConfigError extends Error {
  readonly problems: SourceProblem[]
  constructor(problems: SourceProblem[]) {
    super(problems.map(formatProblem).join('\n'))
    this.name = 'ConfigError'
    this.problems = problems
  }
}

const formatProblem = (p: SourceProblem): string => `${p.file}:${p.line}:${p.col} ${p.message}`

/** A parsed YAML file that can point back at the line of any path inside it. */
export class YamlSource {
  readonly file: string
  readonly text: string
  readonly value: unknown
  private readonly doc: Document.Parsed
  private readonly lines: LineCounter

  constructor(file: string, text: string) {
    this.file = file
    this.text = text
    this.lines = new LineCounter()
    this.doc = parseDocument(text, { lineCounter: this.lines, prettyErrors: false, uniqueKeys: true })
    if (this.doc.errors.length > 0) {
      throw new ConfigError(
        this.doc.errors.map((e) => {
          const pos = e.linePos?.[0] ?? this.lines.linePos(e.pos[0])
          return { file, line: pos.line, col: pos.col, message: e.message.split('\n')[0] ?? e.code }
        }),
      )
    }
    this.value = this.doc.toJS({ maxAliasCount: 100 }) ?? {}
  }

  static read(file: string): YamlSource {
    let text: string
    try {
      text = readFileSync(file, 'utf8')
    } catch (err) {
      throw new ConfigError([{ file, line: 1, col: 1, message: `cannot read file: ${(err as NodeJS.ErrnoException).code ?? String(err)}` }])
    }
    return new YamlSource(file, text)
  }

  /** Line and column of the deepest node that exists along `path`. */
  locate(path: ReadonlyArray<PropertyKey>): { line: number; col: number } {
    for (let n = path.length; n >= 0; n--) {
      const node = this.doc.getIn(path.slice(0, n) as unknown[], true)
      if (isNode(node) && node.range) {
        const pos = this.lines.linePos(node.range[0])
        return { line: pos.line, col: pos.col }
      }
      // a missing key: point at the key of the parent map if it exists
    }
    return { line: 1, col: 1 }
  }

  /** Line and column of the key that holds `path` (a map entry), else where `locate` points. */
  locateKey(path: ReadonlyArray<PropertyKey>): { line: number; col: number } {
    const parent = path.length > 0 ? this.doc.getIn(path.slice(0, -1) as unknown[], true) : null
    if (isMap(parent)) {
      const last = path[path.length - 1]
      const pair = parent.items.find((p) => isScalar(p.key) && p.key.value === last)
      if (pair && isNode(pair.key) && pair.key.range) {
        const pos = this.lines.linePos(pair.key.range[0])
        return { line: pos.line, col: pos.col }
      }
    }
    return this.locate(path)
  }

  /** zod issues as located problems. */
  problemsFrom(issues: ReadonlyArray<z.core.$ZodIssue>, prefix: ReadonlyArray<PropertyKey> = []): SourceProblem[] {
    return issues.map((issue) => {
      const path = [...prefix, ...issue.path]
      const where = this.locate(path)
      const dotted = path.map(String).join('.')
      return { file: this.file, ...where, message: dotted ? `${dotted}: ${issue.message}` : issue.message }
    })
  }
}
