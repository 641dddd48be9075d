-- queue-worker.lua: waits for jobs (`llmspell signal <run> job '{"text": "..."}'`) forever and
-- continues as new every 20 jobs, so its history never grows past a few hundred events.
-- Send {"stop": true} to end it.
local done = (spell.input and spell.input.done) or 0
for _ = 1, 20 do
  local job = signal.wait("job")
  if job.stop then return { done = done, last = state.get("last") } end
  state.set("last", llm.generate{ prompt = "Summarize: " .. job.text, max_tokens = 48 }.text)
  done = done + 1
end
spell.continue_as_new({ done = done })
