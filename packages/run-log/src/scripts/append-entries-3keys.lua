-- Appends a batch of entries to one run's log and announces them, atomically.
-- KEYS[1] run log stream, KEYS[2] run meta hash, KEYS[3] shard channel (all share {run:<id>}).
-- ARGV[1] max log entries (approximate trim), ARGV[2] ttl seconds for log and meta,
-- ARGV[3] dedupe token ('' = none): a token already seen makes the whole call a no-op,
-- ARGV[4] fence ('' = none): the attempt that owns the run; a stale attempt is refused,
-- ARGV[5] max log bytes: a batch that would pass it is refused unless it ends the run,
-- ARGV[6] batch token ('' = none): the producer's id of this batch; a call carrying the token of the
--   last batch appended is that batch sent again (a client re-sending a command whose reply was lost
--   across a reconnect): it appends nothing and answers what the first call answered (its first seq),
-- ARGV[7..] entries, each 'e<json>' (a ChatKit event) or 'x<json>' (the terminal entry).
-- Returns the seq of the first entry (for a batch sent again, the first call's), 0 for a call whose dedupe token was used, -1 when the run already ended,
-- -2 when the fence does not match (another worker took the run over), -3 when the log is full.
if ARGV[6] ~= '' and redis.call('HGET', KEYS[2], 'lastBatch') == ARGV[6] then
  return tonumber(redis.call('HGET', KEYS[2], 'lastBatchFirst') or '0')
end
if redis.call('HGET', KEYS[2], 'ended') then
  return -1
end
if ARGV[4] ~= '' and redis.call('HGET', KEYS[2], 'fence') ~= ARGV[4] then
  return -2
end
if ARGV[3] ~= '' and redis.call('HEXISTS', KEYS[2], 'dedupe:' .. ARGV[3]) == 1 then
  return 0
end
local incoming = 0
local ends = false
for i = 7, #ARGV do
  incoming = incoming + #ARGV[i]
  if string.sub(ARGV[i], 1, 1) == 'x' then ends = true end
end
local used = tonumber(redis.call('HGET', KEYS[2], 'bytes') or '0')
if not ends and used + incoming > tonumber(ARGV[5]) then
  return -3
end
-- The token is spent only by a call that appends: a refused one can be retried.
if ARGV[3] ~= '' then
  redis.call('HSET', KEYS[2], 'dedupe:' .. ARGV[3], 1)
end
local first = 0
local parts = {}
local bytes = 0
for i = 7, #ARGV do
  local entry = ARGV[i]
  local seq = redis.call('HINCRBY', KEYS[2], 'seq', 1)
  if first == 0 then first = seq end
  redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '0-' .. seq, 'd', entry)
  bytes = bytes + #entry
  parts[#parts + 1] = entry
  if string.sub(entry, 1, 1) == 'x' then
    redis.call('HSET', KEYS[2], 'ended', seq)
  end
end
redis.call('HINCRBY', KEYS[2], 'bytes', bytes)
if ARGV[6] ~= '' then
  redis.call('HSET', KEYS[2], 'lastBatch', ARGV[6], 'lastBatchFirst', first)
end
redis.call('EXPIRE', KEYS[1], ARGV[2])
redis.call('EXPIRE', KEYS[2], ARGV[2])
redis.call('SPUBLISH', KEYS[3], first .. '\n' .. table.concat(parts, '\n'))
return first
