local r = llm.generate{ prompt = "before" }
error({ reason = "policy" })
