import t from 'tap'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { acquireDataDirLock, liveHolder, lockFile } from '../../src/adapters/db/data-dir-lock.js'

const freshDir = () => join(mkdtempSync(join(tmpdir(), 'sy-lock-')), 'data')
const deadPid = (): number => Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout)
const read = (dir: string) => JSON.parse(readFileSync(lockFile(dir), 'utf8')) as Record<string, unknown>

t.test('one holder at a time; the second is refused naming the first', async (t) => {
  const dir = freshDir()
  const lock = acquireDataDirLock(dir, 'serve')
  t.match(read(dir), { pid: process.pid, command: 'serve', started_at: String })
  t.notOk('url' in read(dir), 'no URL before the gateway listens')
  lock.noteListening('http://0.0.0.0:8080')
  t.equal(read(dir).url, 'http://127.0.0.1:8080', 'a wildcard listen address is written as one the CLI can reach')
  t.match(liveHolder(dir), { pid: process.pid, url: 'http://127.0.0.1:8080' })
  t.throws(() => acquireDataDirLock(dir, 'keys create'), { code: 'storage_unavailable', message: /running gateway \(pid \d+, http:\/\/127\.0\.0\.1:8080\)/ })
  lock.release()
  t.notOk(existsSync(lockFile(dir)), 'released: the file is gone')
  t.equal(liveHolder(dir), null)
  lock.release()
  const again = acquireDataDirLock(dir, 'migrate')
  t.equal(read(dir).command, 'migrate', 'free again once released')
  again.release()
})

t.test('a lock whose process is gone (or that holds no JSON) is taken over', async (t) => {
  const dir = freshDir()
  acquireDataDirLock(dir, 'serve').release()
  writeFileSync(lockFile(dir), JSON.stringify({ pid: deadPid(), started_at: '2020-01-01T00:00:00.000Z', command: 'serve', url: 'http://127.0.0.1:9' }))
  t.equal(liveHolder(dir), null, 'a dead holder is no holder')
  const lock = acquireDataDirLock(dir, 'serve')
  t.equal(read(dir).pid, process.pid)
  lock.release()

  writeFileSync(lockFile(dir), 'not json')
  const lock2 = acquireDataDirLock(dir, 'serve')
  t.equal(read(dir).pid, process.pid)
  lock2.release()
  // our own pid in a lock this process does not hold: left by an earlier process that had the same pid
  writeFileSync(lockFile(dir), JSON.stringify({ pid: process.pid, started_at: '2020-01-01T00:00:00.000Z', command: 'serve' }))
  acquireDataDirLock(dir, 'serve').release()
})

t.test('release never removes a lock another process took over meanwhile', async (t) => {
  const dir = freshDir()
  const lock = acquireDataDirLock(dir, 'serve')
  const other = JSON.stringify({ pid: process.pid + 1, started_at: new Date().toISOString(), command: 'serve' })
  writeFileSync(lockFile(dir), other)
  lock.release()
  t.equal(readFileSync(lockFile(dir), 'utf8'), other)
})
