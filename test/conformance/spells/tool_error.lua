local ok, e = pcall(tool.call, "explode", { why = "test" })
local ok2, e2 = pcall(tool.call, "missing", {})
return { ok = ok, type = e.type, message = e.message, type2 = e2.type }
