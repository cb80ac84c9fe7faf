import type { Registry } from 'prom-client'

/**
 * Counter, gauge and histogram families for the metrics updated on every call. They register in a
 * prom-client Registry like its own metrics (the registry only asks a metric for name, help, type
 * and get()) and render the same exposition text, but an update costs one key build and one Map
 * lookup: prom-client validates and hashes the label object on every update, which was several
 * microseconds per call across the dozen series a call touches.
 */

/** Label values; a label left out is absent from the series (as in prom-client). */
type Labels<L extends string> = Readonly<Partial<Record<L, string>>>

interface FamilyOptions<L extends string> {
  name: string
  help: string
  labelNames: readonly L[]
  registers: Registry[]
}

interface Sample {
  value: number
  labels: Record<string, string | number>
  sharedLabels?: Record<string, string | number>
  metricName?: string
}

/** What a prom-client Registry reads from a metric. */
interface Exported {
  name: string
  help: string
  type: string
  values: Sample[]
  aggregator: 'sum'
}

/** Family resets so far: callers that keep series handles drop them when this changes. */
let resets = 0
export const seriesResets = (): number => resets

abstract class Family<L extends string, S> {
  readonly name: string
  readonly help: string
  readonly labelNames: readonly L[]
  abstract readonly type: string
  protected readonly series = new Map<string, S>()

  constructor(opts: FamilyOptions<L>) {
    this.name = opts.name
    this.help = opts.help
    this.labelNames = opts.labelNames
    for (const r of opts.registers) r.registerMetric(this as never)
  }

  protected abstract create(labels: Record<string, string>): S

  /**
   * The series for these labels, created on first use. Its handle may be kept and updated directly
   * (add / observeSeries) for as long as seriesResets() is unchanged.
   */
  at(labels: Labels<L>): S {
    let key = ''
    for (const n of this.labelNames) key += labels[n] === undefined ? '\u0002' : `${labels[n]}\u0001`
    let s = this.series.get(key)
    if (!s) {
      const copy: Record<string, string> = {}
      for (const n of this.labelNames) {
        const v = labels[n]
        if (v === undefined) continue
        if (typeof v !== 'string') throw new TypeError(`${this.name}: label "${n}" must be a string`)
        copy[n] = v
      }
      s = this.create(copy)
      this.series.set(key, s)
    }
    return s
  }

  reset(): void {
    this.series.clear()
    resets++
  }

  abstract getForPromString(): Exported

  async get(): Promise<Exported> {
    const out = this.getForPromString()
    // prom-client's JSON shape: shared labels folded into each sample's labels
    out.values = out.values.map(({ sharedLabels, labels, ...rest }) => ({ ...rest, labels: { ...labels, ...sharedLabels } }))
    return out
  }
}

export interface ValueSeries {
  labels: Record<string, string>
  value: number
}

/** One number per series: the shared part of counters and gauges. */
abstract class ValueFamily<L extends string> extends Family<L, ValueSeries> {
  protected create(labels: Record<string, string>): ValueSeries {
    return { labels, value: 0 }
  }

  getForPromString(): Exported {
    return { name: this.name, help: this.help, type: this.type, aggregator: 'sum', values: [...this.series.values()].map((s) => ({ labels: s.labels, value: s.value })) }
  }
}

export class CounterFamily<L extends string> extends ValueFamily<L> {
  readonly type = 'counter'

  inc(labels: Labels<L>, value = 1): void {
    this.check(value)
    this.at(labels).value += value
  }

  /** inc() on a series handle from at(). */
  add(series: ValueSeries, value = 1): void {
    this.check(value)
    series.value += value
  }

  private check(value: number): void {
    if (!(value >= 0)) throw new TypeError(`${this.name}: counters only go up (got ${value})`)
  }
}

export class GaugeFamily<L extends string> extends ValueFamily<L> {
  readonly type = 'gauge'

  inc(labels: Labels<L>, value = 1): void {
    this.at(labels).value += value
  }

  dec(labels: Labels<L>, value = 1): void {
    this.at(labels).value -= value
  }

  set(labels: Labels<L>, value: number): void {
    this.at(labels).value = value
  }
}

export interface HistogramSeries {
  labels: Record<string, string>
  /** Observations per bucket (not cumulative); the last slot is above the highest bound. */
  counts: Float64Array
  sum: number
  count: number
}

export class HistogramFamily<L extends string> extends Family<L, HistogramSeries> {
  readonly type = 'histogram'
  readonly buckets: readonly number[]

  constructor(opts: FamilyOptions<L> & { buckets: readonly number[] }) {
    super(opts)
    this.buckets = [...opts.buckets].sort((a, b) => a - b)
  }

  protected create(labels: Record<string, string>): HistogramSeries {
    return { labels, counts: new Float64Array(this.buckets.length + 1), sum: 0, count: 0 }
  }

  observe(labels: Labels<L>, value: number): void {
    this.check(value)
    this.record(this.at(labels), value)
  }

  /** observe() on a series handle from at(). */
  observeSeries(s: HistogramSeries, value: number): void {
    this.check(value)
    this.record(s, value)
  }

  private check(value: number): void {
    if (!Number.isFinite(value)) throw new TypeError(`${this.name}: not a finite number: ${value}`)
  }

  private record(s: HistogramSeries, value: number): void {
    const b = this.buckets
    let i = 0
    while (i < b.length && value > b[i]!) i++
    s.counts[i]! += 1
    s.sum += value
    s.count += 1
  }

  getForPromString(): Exported {
    const values: Sample[] = []
    const bucket = `${this.name}_bucket`
    for (const s of this.series.values()) {
      let acc = 0
      this.buckets.forEach((le, i) => {
        acc += s.counts[i]!
        values.push({ labels: { le }, sharedLabels: s.labels, value: acc, metricName: bucket })
      })
      values.push({ labels: { le: '+Inf' }, sharedLabels: s.labels, value: s.count, metricName: bucket })
      values.push({ labels: {}, sharedLabels: s.labels, value: s.sum, metricName: `${this.name}_sum` })
      values.push({ labels: {}, sharedLabels: s.labels, value: s.count, metricName: `${this.name}_count` })
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: 'sum', values }
  }
}
