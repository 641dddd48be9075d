local r = llm.generate{ system = "be brief", messages = {
  { role = "user", content = "first" }, { role = "assistant", content = "ok" }, { role = "user", content = "second" } } }
return { text = r.text, finish = r.finish_reason, model = r.model, tokens = r.usage.total_tokens }
