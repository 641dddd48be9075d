local r = step("compute", function()
  local a = llm.generate{ prompt = "inside" }
  return { text = a.text, n = 7 }
end)
return r
