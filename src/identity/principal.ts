import type { TeamConfig } from '../config/schema.js'

/** Who is calling: resolved from the Switchyard key (or the anonymous team) before anything else. */
export interface Principal {
  teamId: string
  team: TeamConfig
  keyId: string | null
  keyName: string | null
  /** Models this key may use (absent = the team's list applies). */
  keyModels?: readonly string[] | undefined
  keyRpm?: number | undefined
  keyTpm?: number | undefined
  /** USD budgets of this key, per UTC day and month. */
  keyBudgetUsd?: { day?: number | undefined; month?: number | undefined } | undefined
}
