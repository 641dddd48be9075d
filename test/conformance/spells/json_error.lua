local ok, e = pcall(json.decode, "{not json")
return { ok = ok, type = e.type }
