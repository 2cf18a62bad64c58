-- Takes one of a user's open-attach leases (MAX_ATTACHES_PER_USER), dropping leases that expired (a
-- gateway that died without releasing them). KEYS[1] the user's lease set (sorted by lease expiry);
-- ARGV[1] now ms, ARGV[2] lease expiry ms, ARGV[3] lease id, ARGV[4] limit.
-- Returns 0 when taken, else the number of leases held.
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
local held = redis.call('ZCARD', KEYS[1])
if held >= tonumber(ARGV[4]) then
  return held
end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
redis.call('PEXPIREAT', KEYS[1], ARGV[2])
return 0
