-- hello.lua: one LLM call, some state, an event, and a result.
local name = (spell.input and spell.input.name) or "world"
state.set("greeted", name)

local reply = llm.generate{
  system = "You are a friendly greeter.",
  prompt = "Say hello to " .. name,
}
event.emit("greeting", { text = reply.text })

local summary = step("summarize", function()
  local r = llm.generate{ prompt = "Summarize: " .. reply.text, max_tokens = 16 }
  return { summary = r.text, tokens = r.usage.total_tokens }
end)

return { greeting = reply.text, summary = summary.summary, greeted = state.get("greeted") }
