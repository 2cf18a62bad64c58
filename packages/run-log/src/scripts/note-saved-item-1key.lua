-- Records, for the attempt that owns a run, an item it is about to save that no log entry shows (a
-- hidden item, an item kept on cancel): a worker taking the run over reads these and deletes them.
-- KEYS[1] run meta hash. ARGV[1] fence (the attempt), ARGV[2] item id.
-- Returns 1, -1 when the run already ended, -2 when another attempt owns the run.
if redis.call('HGET', KEYS[1], 'ended') then
  return -1
end
if redis.call('HGET', KEYS[1], 'fence') ~= ARGV[1] then
  return -2
end
redis.call('HSET', KEYS[1], 'saved:' .. ARGV[2], ARGV[1])
return 1
