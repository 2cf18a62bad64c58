-- Takes one of a user's leased slots (concurrent runs, open attaches), dropping slots whose lease
-- ended (a worker or gateway that died without giving them back). KEYS[1] the slot set (sorted by
-- lease expiry); ARGV[1] now ms, ARGV[2] lease expiry ms, ARGV[3] holder id, ARGV[4] slot limit.
-- Returns 0 when taken, else ms until the earliest lease ends.
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[4]) then
  local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return math.max(1, tonumber(first[2]) - tonumber(ARGV[1]))
end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
redis.call('PEXPIREAT', KEYS[1], ARGV[2])
return 0
