local s = "héllo → 世界 🎉"
state.set("u", s)
local r = llm.generate{ prompt = s }
return { s = state.get("u"), echoed = r.text, key = { ["ключ"] = "значение" } }
