local ok, e = pcall(step, "fails", function() error({ code = 1 }) end)
local ok2, e2 = pcall(step, "fails too", function() local x = nil; return x.y end)
return { ok = ok, type = e.type, ok2 = ok2, type2 = e2.type }
