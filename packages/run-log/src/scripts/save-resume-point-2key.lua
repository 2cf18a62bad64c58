-- Stores, for the attempt that owns a run, where a later attempt can continue the model response
-- this one just began (MODEL_BACKGROUND, docs/resume.md): the response id and the app's state.
-- Written in the run's event order (the sequencer runs it as a step), so every entry of the
-- responses before it is in the log already.
-- Its own key, not a field of the meta hash: the state can be large (the agent's whole input), and
-- the meta hash is read whole in places.
-- KEYS[1] run meta hash, KEYS[2] the resume point. ARGV[1] fence (the attempt), ARGV[2] the resume
-- point (JSON; '' forgets it: the attempt regenerates the answer, so nothing before it can be
-- continued), ARGV[3] its ttl in seconds.
-- Returns 1, -1 when the run already ended, -2 when another attempt owns the run.
if redis.call('HGET', KEYS[1], 'ended') then
  return -1
end
if redis.call('HGET', KEYS[1], 'fence') ~= ARGV[1] then
  return -2
end
if ARGV[2] == '' then
  redis.call('DEL', KEYS[2])
else
  redis.call('SET', KEYS[2], ARGV[2], 'EX', ARGV[3])
end
return 1
