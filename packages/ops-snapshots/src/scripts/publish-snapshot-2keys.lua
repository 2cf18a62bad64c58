-- Stores one process's snapshot and stamps it with the Redis server's clock, so staleness never
-- depends on the clocks of the hosts. KEYS[1] snapshot hash (process id → JSON), KEYS[2] sorted set
-- (process id → ms of its last publish); ARGV[1] process id, ARGV[2] JSON, ARGV[3] TTL of both keys
-- in seconds (they vanish when every process is gone). Returns the stamp.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[2], now, ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[3])
redis.call('EXPIRE', KEYS[2], ARGV[3])
return now
