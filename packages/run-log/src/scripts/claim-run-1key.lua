-- Makes an attempt the owner of a run (its fence), unless the run already ended: a worker that
-- checked the run was open and then claimed it could otherwise take over a run whose previous
-- attempt ended it in between, and undo that attempt's finished answer.
-- KEYS[1] run meta hash. ARGV[1] fence.
-- Returns { 0 } when the run ended, else { 1, previous fence or '', seq, prefixEnd }.
if redis.call('HGET', KEYS[1], 'ended') then
  return { 0 }
end
local prev = redis.call('HGET', KEYS[1], 'fence') or ''
redis.call('HSET', KEYS[1], 'fence', ARGV[1])
return { 1, prev, tonumber(redis.call('HGET', KEYS[1], 'seq') or '0'), tonumber(redis.call('HGET', KEYS[1], 'prefixEnd') or '0') }
