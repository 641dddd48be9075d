local seen = {}
local r = llm.stream{ prompt = "one two three", on_chunk = function(chunk) seen[#seen + 1] = chunk end }
return { text = r.text, chunks = r.chunks, seen = seen, finish = r.finish_reason }
