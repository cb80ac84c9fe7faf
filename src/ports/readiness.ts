/** One entry of GET /readyz: a dependency and whether the gateway can serve with it as it is. */
export interface ReadinessCheck {
  name: string
  /** `ok: false` makes the gateway unready; `degraded` keeps it ready but says so in the body. */
  check(): Promise<{ ok: boolean; degraded?: boolean; detail?: string }>
}
