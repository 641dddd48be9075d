local ok, e = pcall(function() error("custom failure") end)
local ok2, e2 = pcall(function() local t = nil; return t.field end)
return { ok = ok, caught = e ~= nil, ok2 = ok2 }
