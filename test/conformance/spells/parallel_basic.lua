-- Three branches: a model call, a tool call that also sets state, a pure value.
local results = parallel({
  function() return llm.generate{ prompt = "a" }.text end,
  function()
    state.set("b", 2)
    return tool.call("add", { a = 1, b = 1 })
  end,
  function() return "pure" end,
}, { concurrency = 2 })
return { results = results, b = state.get("b") }
