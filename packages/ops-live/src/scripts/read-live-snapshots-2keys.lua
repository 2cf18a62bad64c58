-- Reads every snapshot published within the last ARGV[1] ms and deletes older ones (their process
-- stopped or hangs). KEYS[1] snapshot hash, KEYS[2] sorted set of publish times. Returns
-- {now ms, id1, published ms 1, JSON 1, id2, …}: the time is the Redis server's, as in the publish.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local oldest = now - tonumber(ARGV[1])
local stale = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', '(' .. oldest)
for i = 1, #stale do
  redis.call('HDEL', KEYS[1], stale[i])
  redis.call('ZREM', KEYS[2], stale[i])
end
local live = redis.call('ZRANGEBYSCORE', KEYS[2], oldest, '+inf', 'WITHSCORES')
local out = { now }
for i = 1, #live, 2 do
  local json = redis.call('HGET', KEYS[1], live[i])
  if json then
    out[#out + 1] = live[i]
    out[#out + 1] = live[i + 1]
    out[#out + 1] = json
  end
end
return out
