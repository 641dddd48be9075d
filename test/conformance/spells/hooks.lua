local order = {}
hook.before("llm", function(args)
  order[#order + 1] = "low"
  return { prompt = args.prompt .. " [low]" }
end)
hook.before("llm.generate", function(args)
  order[#order + 1] = "high"
  return { prompt = args.prompt .. " [high]" }
end, { priority = 10 })
hook.after("llm.generate", function(result) return { text = string.upper(result.text), model = result.model } end)
hook.before("tool.call", function(args)
  if args.name == "explode" then return hook.refuse("explosives are not allowed") end
end)
local r = llm.generate{ prompt = "hi" }
local ok, e = pcall(tool.call, "explode", { why = "x" })
local sum = tool.call("add", { a = 1, b = 2 })
return { text = r.text, order = order, refused = e.type, message = e.message, sum = sum }
