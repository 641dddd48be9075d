-- Continues as new twice: the same run id, a fresh journal, the new input, the state kept.
local n = spell.input.n
local count = (state.get("count") or 0) + llm.generate{ prompt = "round " .. n }.usage.output_tokens
state.set("count", count)
if n < 3 then spell.continue_as_new({ n = n + 1 }) end
local h = spell.history()
return { n = n, count = count, events = h.events > 0 and h.events < 100, usage = spell.usage().calls }
