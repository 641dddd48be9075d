local r = llm.generate{ prompt = "ignored" }
return nil
