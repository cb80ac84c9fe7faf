import type { Queryable } from '../../ports/database.js'

export const usageGroups = ['team', 'model', 'key', 'session'] as const
export type UsageGroup = (typeof usageGroups)[number]
export const usageFormats = ['table', 'csv', 'json'] as const
export type UsageFormat = (typeof usageFormats)[number]

export interface UsageRow {
  group: string | null
  calls: number
  errors: number
  prompt_tokens: number
  completion_tokens: number
  cached_tokens: number
  reasoning_tokens: number
  /** Calls whose tokens were estimated by the tokenizer (the provider reported none). */
  estimated_calls: number
  cost_usd: number
}

export interface UsageReport {
  object: 'usage'
  by: UsageGroup
  since: string
  data: UsageRow[]
  total: Omit<UsageRow, 'group'>
}

/**
 * Grouping expressions: `model` is the served target as priced (`provider/model`); a call that no target
 * served (refused, failed, timed out) is filed under the model the client requested.
 */
const GROUP_SQL: Record<UsageGroup, string> = {
  team: 'team_id',
  key: 'key_id',
  session: 'session_id',
  model: "coalesce(provider || '/' || model, requested_model)",
}

/** `7d`, `24h`, `90m`, `2w` back from `now`, or an ISO date/time. */
export function parseSince(value: string, now: Date = new Date()): Date {
  const m = /^(\d+)\s*([mhdw])$/.exec(value.trim())
  if (m) {
    const ms = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[m[2] as 'm' | 'h' | 'd' | 'w']
    return new Date(now.getTime() - Number(m[1]) * ms)
  }
  const d = new Date(value)
  if (Number.isNaN(d.getTime())) throw new Error(`--since: expected a duration like 7d, 24h, 30m or an ISO date, got "${value}"`)
  return d
}

/** Usage and cost from the audit log, grouped, biggest spend first. */
export async function usageReport(db: Queryable, opts: { by: UsageGroup; since: Date; team?: string }): Promise<UsageReport> {
  const group = GROUP_SQL[opts.by]
  const params: unknown[] = [opts.since.toISOString()]
  let where = 'started_at >= $1::timestamptz'
  if (opts.team) {
    params.push(opts.team)
    where += ` AND team_id = $${params.length}`
  }
  const { rows } = await db.query<UsageRow>(
    `SELECT ${group} AS "group",
            count(*)::int AS calls,
            (count(*) FILTER (WHERE outcome <> 'ok'))::int AS errors,
            coalesce(sum(prompt_tokens), 0)::float8 AS prompt_tokens,
            coalesce(sum(completion_tokens), 0)::float8 AS completion_tokens,
            coalesce(sum(cached_tokens), 0)::float8 AS cached_tokens,
            coalesce(sum(reasoning_tokens), 0)::float8 AS reasoning_tokens,
            (count(*) FILTER (WHERE usage_estimated))::int AS estimated_calls,
            coalesce(sum(cost_usd), 0)::float8 AS cost_usd
       FROM calls WHERE ${where}
      GROUP BY 1 ORDER BY cost_usd DESC, calls DESC, 1`,
    params,
  )
  const total = { calls: 0, errors: 0, prompt_tokens: 0, completion_tokens: 0, cached_tokens: 0, reasoning_tokens: 0, estimated_calls: 0, cost_usd: 0 }
  for (const r of rows) for (const k of Object.keys(total) as Array<keyof typeof total>) total[k] += r[k]
  total.cost_usd = Math.round(total.cost_usd * 1e10) / 1e10
  return { object: 'usage', by: opts.by, since: opts.since.toISOString(), data: rows, total }
}

const COLUMNS: Array<keyof UsageRow> = ['group', 'calls', 'errors', 'prompt_tokens', 'completion_tokens', 'cached_tokens', 'reasoning_tokens', 'estimated_calls', 'cost_usd']

const cell = (k: keyof UsageRow, v: unknown): string => (v === null || v === undefined ? '(none)' : k === 'cost_usd' ? (v as number).toFixed(6) : String(v))

function csvField(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

/** Renders a report as an aligned text table, CSV (RFC 4180) or JSON. */
export function renderUsage(report: UsageReport, format: UsageFormat): string {
  if (format === 'json') return `${JSON.stringify(report, null, 2)}\n`
  const header = COLUMNS.map((c) => (c === 'group' ? report.by : c))
  const body = report.data.map((r) => COLUMNS.map((c) => cell(c, r[c])))
  if (format === 'csv') return [header, ...body].map((line) => line.map(csvField).join(',')).join('\n') + '\n'
  const totalLine = COLUMNS.map((c) => (c === 'group' ? 'TOTAL' : cell(c, report.total[c as Exclude<keyof UsageRow, 'group'>])))
  const lines = [header, ...body, totalLine]
  const widths = header.map((_, i) => Math.max(...lines.map((l) => l[i]!.length)))
  const fmt = (l: string[]) => l.map((v, i) => (i === 0 ? v.padEnd(widths[i]!) : v.padStart(widths[i]!))).join('  ')
  return [fmt(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(fmt), fmt(totalLine)].join('\n') + `\n(since ${report.since})\n`
}
