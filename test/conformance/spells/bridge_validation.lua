local ok, e = pcall(llm.generate, { prompt = 42 })
local ok2, e2 = pcall(llm.generate, { prompt = "a", messages = { { role = "user", content = "b" } } })
local ok3, e3 = pcall(state.set, "", 1)
return { e.type, e.message, e2.message, e3.message }
