-- multi-role.lua: a writer and a critic hand work over through run state, each call a durable step.
local draft = step("writer", function()
  return llm.generate{ system = "You are a writer.", prompt = "Write one line about autumn.", max_tokens = 30 }.text
end)
state.set("draft", draft)
local critique = step("critic", function()
  return llm.generate{ system = "You are a critic. One short sentence.", prompt = "Critique: " .. state.get("draft"), max_tokens = 30 }.text
end)
state.set("critique", critique)
return { draft = draft, critique = critique }
