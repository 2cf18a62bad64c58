-- Deletes a lock key only if it still holds the given value (a run releasing its own thread lock).
-- KEYS[1] lock key; ARGV[1] expected holder. Returns 1 when released, 0 otherwise.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
