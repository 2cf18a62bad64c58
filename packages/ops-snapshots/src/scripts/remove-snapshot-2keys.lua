-- Removes one process's snapshot (it is shutting down), so the page drops it at once instead of
-- after the staleness window. KEYS[1] snapshot hash, KEYS[2] sorted set; ARGV[1] process id.
redis.call('HDEL', KEYS[1], ARGV[1])
return redis.call('ZREM', KEYS[2], ARGV[1])
