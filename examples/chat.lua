-- chat.lua: a short multi-turn chat; the history lives in run state, queryable from outside.
local history = { { role = "user", content = spell.input and spell.input.question or "What is a spell?" } }
local first = llm.generate{ system = "You answer in one sentence.", messages = history, max_tokens = 40 }
history[#history + 1] = { role = "assistant", content = first.text }
history[#history + 1] = { role = "user", content = "Say it in five words." }
local second = llm.generate{ system = "You answer in one sentence.", messages = history, max_tokens = 20 }
state.set("history", history)
return { first = first.text, second = second.text }
