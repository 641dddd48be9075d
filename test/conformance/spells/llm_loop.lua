local parts = {}
for i = 1, 3 do parts[#parts + 1] = llm.generate{ prompt = "n" .. i }.text end
return table.concat(parts, "|")
