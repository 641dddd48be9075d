-- A branch runs its own parallel call; state changes apply in branch order when the call returns.
state.set("seen", "before")
local out = parallel({
  function()
    state.set("order", "first")
    return parallel({
      function() return llm.generate{ prompt = "inner 1" }.text end,
      function() return "inner 2" end,
    })
  end,
  function()
    local seen = state.get("seen")
    state.set("order", "second")
    state.set("seen", "changed in a branch")
    return seen
  end,
})
return { out = out, order = state.get("order"), seen = state.get("seen") }
