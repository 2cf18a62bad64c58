-- Makes an attempt the owner of a run (its fence), unless the run already ended: a worker that
-- checked the run was open and then claimed it could otherwise take over a run whose previous
-- attempt ended it in between, and undo that attempt's finished answer.
-- KEYS[1] run meta hash, KEYS[2] the run's resume point (a string). ARGV[1] fence.
-- Returns { -1 } when the run has no log (expired, or never created: nothing is written then, so no
-- stray meta without a ttl is left), { 0 } when the run ended, else { 1, previous fence or '', seq, prefixEnd, checkpoint or '',
-- resume point or '' } (the last two: where the previous attempt's model response can be continued,
-- save-resume-point-1key.lua and append-batches-nkeys.lua; read here so no stale write can follow).
local state = redis.call('HMGET', KEYS[1], 'owner', 'ended')
if not state[1] then
  return { -1 }
end
if state[2] then
  return { 0 }
end
local prev = redis.call('HGET', KEYS[1], 'fence') or ''
redis.call('HSET', KEYS[1], 'fence', ARGV[1])
local m = redis.call('HMGET', KEYS[1], 'seq', 'prefixEnd', 'checkpoint')
return { 1, prev, tonumber(m[1] or '0'), tonumber(m[2] or '0'), m[3] or '', redis.call('GET', KEYS[2]) or '' }
