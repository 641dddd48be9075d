-- supervisor.lua: three agents answer in parallel (each branch its own chain of activities),
-- then the supervisor merges their answers. Try it on the local model: --model local:smollm2
tool.define{
  name = "lookup",
  description = "Looks up a short fact about a topic",
  schema = { type = "object", properties = { topic = { type = "string" } }, required = { "topic" } },
  fn = function(args) return { fact = "Temporal records every step of " .. args.topic .. " in its history." } end,
}
local topic = (spell.input and spell.input.topic) or "durable spells"
local roles = {
  { name = "optimist", instructions = "Call the lookup tool once, then name one benefit in one sentence." },
  { name = "skeptic", instructions = "Call the lookup tool once, then name one risk in one sentence." },
  { name = "historian", instructions = "Call the lookup tool once, then give one historical note in one sentence." },
}
local answers = parallel.map(roles, function(role)
  local a = agent.create{ name = role.name, instructions = role.instructions, tools = { "lookup" }, max_steps = 3, max_tokens = 64 }
  local r = a:run("Topic: " .. topic)
  return { role = role.name, text = r.text, steps = #r.steps }
end)
local views = {}
for i, answer in ipairs(answers) do views[i] = answer.role .. ": " .. answer.text end
local merged = llm.generate{ system = "Merge the views into two sentences.", prompt = table.concat(views, "\n"), max_tokens = 96 }
return { answers = answers, summary = merged.text }
