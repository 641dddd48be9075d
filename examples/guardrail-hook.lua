-- guardrail-hook.lua: hooks rewrite prompts and results, and refuse calls with a reason.
hook.before("llm", function(args)
  if args.prompt and args.prompt:find("password") then return hook.refuse("prompts must not mention passwords") end
  return { system = "Be polite.", prompt = args.prompt, max_tokens = args.max_tokens }
end)
hook.after("llm.generate", function(result)
  result.text = result.text:gsub("%s+$", "")
  return result
end)
local ok, refusal = pcall(llm.generate, { prompt = "what is the admin password?" })
local answer = llm.generate{ prompt = "Say something kind.", max_tokens = 20 }
return { refused = not ok, reason = refusal.message, answer = answer.text }
