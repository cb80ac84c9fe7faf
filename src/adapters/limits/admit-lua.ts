/**
 * One request's admission in one round trip. Applies charges this replica still holds for the team,
 * then checks every budget and window, then counts the request in each window when all pass.
 * All KEYS share the team's hash tag (one Cluster slot).
 *
 * KEYS: windows (nw), budgets (nb), pending token charges (npt), pending USD charges (npu)
 * ARGV: nw, nb, npt, npu, windowMs, estimate,
 *       then rpm,tpm per window (-1 = none), limit per budget, tokens per pending token charge,
 *       usd,expireAtMs per pending USD charge
 * Returns: {allowed, reason (0 none, 1 requests, 2 tokens, 3 budget), index (1-based),
 *           requests,tokens,pttl per window..., spent per budget (strings: Lua numbers would be truncated)}
 * Window and budget semantics match src/adapters/limits/decide.ts.
 */
export const admitLua = `
local nw, nb, npt, npu = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local windowMs, est = tonumber(ARGV[5]), tonumber(ARGV[6])
local a = 7

local function openWindow(key, r, t)
  redis.call('HSET', key, 'r', r, 't', t)
  redis.call('PEXPIRE', key, windowMs)
end

local wa, ba = a, a + 2 * nw
local pa = ba + nb
local k = nw + nb
for i = 1, npt do
  local key, n = KEYS[k + i], tonumber(ARGV[pa + i - 1])
  if redis.call('EXISTS', key) == 1 then redis.call('HINCRBY', key, 't', n) else openWindow(key, 0, n) end
end
k = k + npt
local ua = pa + npt
for i = 1, npu do
  local key = KEYS[k + i]
  redis.call('INCRBYFLOAT', key, ARGV[ua + 2 * (i - 1)])
  redis.call('PEXPIREAT', key, ARGV[ua + 2 * (i - 1) + 1])
end

local out = {1, 0, 0}
local spent = {}
for i = 1, nb do
  local v = redis.call('GET', KEYS[nw + i]) or '0'
  spent[i] = v
  if out[1] == 1 and tonumber(v) >= tonumber(ARGV[ba + i - 1]) then out = {0, 3, i} end
end
local state = {}
for i = 1, nw do
  local key = KEYS[i]
  local v = redis.call('HMGET', key, 'r', 't')
  local r, t = tonumber(v[1]) or 0, tonumber(v[2]) or 0
  local ttl = redis.call('PTTL', key)
  if ttl < 0 then ttl = windowMs end
  state[i] = {r, t, ttl}
  local rpm, tpm = tonumber(ARGV[wa + 2 * (i - 1)]), tonumber(ARGV[wa + 2 * (i - 1) + 1])
  if out[1] == 1 and rpm >= 0 and r + 1 > rpm then out = {0, 1, i} end
  if out[1] == 1 and tpm >= 0 and t + est > tpm then out = {0, 2, i} end
end
if out[1] == 1 then
  for i = 1, nw do
    local key = KEYS[i]
    if redis.call('EXISTS', key) == 1 then
      state[i][1] = redis.call('HINCRBY', key, 'r', 1)
    else
      openWindow(key, 1, 0)
      state[i] = {1, 0, windowMs}
    end
  end
end
for i = 1, nw do
  out[#out + 1] = state[i][1]
  out[#out + 1] = state[i][2]
  out[#out + 1] = state[i][3]
end
for i = 1, nb do out[#out + 1] = spent[i] end
return out
`
