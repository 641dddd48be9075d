local plan = llm.generate{ prompt = "plan" }
state.set("plan", plan.text)
local results = {}
for i, item in ipairs({ "a", "b" }) do
  results[i] = step("do " .. item, function()
    return tool.call("add", { a = i, b = 100 })
  end)
end
sleep(0)
event.emit("finished", { count = #results })
return { plan = state.get("plan"), results = results }
