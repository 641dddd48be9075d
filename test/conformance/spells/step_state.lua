state.set("n", 1)
step("bump", function() state.set("n", state.get("n") + 10); state.set("inside", true) end)
local after = llm.generate{ prompt = "after" }
return { n = state.get("n"), inside = state.get("inside"), after = after.text }
