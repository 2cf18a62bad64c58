-- Appends batches of entries to runs' logs and announces them: one call carries the batches of one
-- or more runs (a worker sends every batch of one event-loop turn together, so the script's fixed
-- cost in Redis is paid once for many runs); each batch is judged and appended on its own.
-- KEYS: three per batch, in order: run log stream, run meta hash, shard channel (the three of one
--   batch share {run:<id>}; batches of several runs in one call only on a single Redis node).
-- ARGV: per batch, in the same order: the number of arguments that follow for it, then
--   1 max log entries (approximate trim), 2 ttl seconds for log and meta,
--   3 dedupe token ('' = none): a token already seen makes the batch a no-op,
--   4 fence ('' = none): the attempt that owns the run; a stale attempt is refused,
--   5 max log bytes: a batch that would pass it is refused unless it ends the run,
--   6 batch token ('' = none): the producer's id of this batch; a batch carrying the token of the
--     last batch appended to its run is that batch sent again (a client re-sending a command whose
--     reply was lost across a reconnect): it appends nothing and answers what the first call answered,
--   7 checkpoint ('' = none): how far the run's current model response is in the log once this batch
--     is (docs/resume.md); stored with the entries, so it never says more or less than the log holds,
--   8.. entries, each 'e<json>' (a ChatKit event) or 'x<json>' (the terminal entry).
-- Returns one integer per batch: the seq of its first entry (for a batch sent again, the first
-- call's), 0 for a batch whose dedupe token was used, -1 when the run already ended, -2 when the fence
-- does not match (another worker took the run over), -3 when the log is full.

-- One read of the meta fields and one write back per batch: every redis.call costs.
local function append(klog, kmeta, kchan, a, from, to)
  local m = redis.call('HMGET', kmeta, 'lastBatch', 'lastBatchFirst', 'ended', 'fence', 'bytes', 'seq')
  local token = a[from + 5]
  if token ~= '' and m[1] == token then
    return tonumber(m[2] or '0')
  end
  if m[3] then
    return -1
  end
  local fence = a[from + 3]
  if fence ~= '' and m[4] ~= fence then
    return -2
  end
  local dedupe = a[from + 2]
  if dedupe ~= '' and redis.call('HEXISTS', kmeta, 'dedupe:' .. dedupe) == 1 then
    return 0
  end
  local incoming = 0
  local ends = false
  for i = from + 7, to do
    incoming = incoming + #a[i]
    if string.sub(a[i], 1, 1) == 'x' then ends = true end
  end
  local used = tonumber(m[5] or '0')
  if not ends and used + incoming > tonumber(a[from + 4]) then
    return -3
  end
  local seq = tonumber(m[6] or '0')
  local first = seq + 1
  local parts = {}
  local fields = { 'bytes', used + incoming }
  for i = from + 7, to do
    local entry = a[i]
    seq = seq + 1
    redis.call('XADD', klog, 'MAXLEN', '~', a[from], '0-' .. seq, 'd', entry)
    parts[#parts + 1] = entry
    if string.sub(entry, 1, 1) == 'x' then
      fields[#fields + 1] = 'ended'
      fields[#fields + 1] = seq
    end
  end
  fields[#fields + 1] = 'seq'
  fields[#fields + 1] = seq
  if a[from + 6] ~= '' then
    fields[#fields + 1] = 'checkpoint'
    fields[#fields + 1] = a[from + 6]
  end
  -- The token is spent only by a batch that appends: a refused one can be retried.
  if dedupe ~= '' then
    fields[#fields + 1] = 'dedupe:' .. dedupe
    fields[#fields + 1] = 1
  end
  if token ~= '' then
    fields[#fields + 1] = 'lastBatch'
    fields[#fields + 1] = token
    fields[#fields + 1] = 'lastBatchFirst'
    fields[#fields + 1] = first
  end
  redis.call('HSET', kmeta, unpack(fields))
  -- The ttl is set by a run's first batch (the stream is new), by its ending batch (the shorter ttl
  -- of an ended run) and then every 100 entries: refreshing it on every batch cost two calls a delta,
  -- and an open run's keys only need to outlive its last activity by about the orphan ttl.
  if first == 1 or ends or math.floor((first - 1) / 100) ~= math.floor(seq / 100) then
    local ttl = a[from + 1]
    redis.call('EXPIRE', klog, ttl)
    redis.call('EXPIRE', kmeta, ttl)
  end
  redis.call('SPUBLISH', kchan, first .. '\n' .. table.concat(parts, '\n'))
  return first
end

local results = {}
local at = 1
for b = 0, #KEYS / 3 - 1 do
  local n = tonumber(ARGV[at])
  results[#results + 1] = append(KEYS[b * 3 + 1], KEYS[b * 3 + 2], KEYS[b * 3 + 3], ARGV, at + 1, at + n)
  at = at + n + 1
end
return results
