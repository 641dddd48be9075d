local r = llm.generate{ prompt = "hello" }
return r.text
