import t from 'tap'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { LineBatcher } from '../../../src/observability/line-batcher.js'

t.test('lines are held until a batch is full or the period passes, and keep their order', async (t) => {
  const writes: string[] = []
  const b = new LineBatcher({ write: (s) => void writes.push(s) }, 20, 30)
  t.teardown(() => b.close())
  b.write('a123456\n')
  b.write('b123456\n')
  t.same(writes, [], 'below the batch size: nothing written yet')
  b.write('c123456\n')
  t.same(writes, ['a123456\nb123456\nc123456\n'], 'one write for the full batch')
  b.write('d\n')
  await new Promise((r) => setTimeout(r, 80))
  t.same(writes.at(-1), 'd\n', 'the period flushes a partial batch')
  b.write('e\n')
  let flushed = false
  b.flush(() => void (flushed = true))
  t.same(writes.at(-1), 'e\n')
  t.ok(flushed, 'flush reaches the destination')
})

const child = (mode: string) => {
  const logger = fileURLToPath(new URL('../../../src/observability/logger.ts', import.meta.url))
  const script = `
    import { createLogger } from ${JSON.stringify(logger)}
    const log = createLogger('info')
    for (let i = 0; i < 500; i++) log.info({ i }, 'line')
    if (${JSON.stringify(mode)} === 'exit') process.exit(0)
  `
  return spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' })
}

for (const mode of ['natural end', 'exit']) {
  t.test(`every line reaches stdout when the process ends (${mode})`, async (t) => {
    const res = child(mode)
    t.equal(res.status, 0, res.stderr)
    const lines = res.stdout.trim().split('\n').map((l) => JSON.parse(l) as { i: number })
    t.equal(lines.length, 500)
    t.same(lines.map((l) => l.i), Array.from({ length: 500 }, (_, i) => i), 'in order')
  })
}
