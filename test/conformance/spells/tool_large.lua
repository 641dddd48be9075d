-- An awaited tool's answer larger than an engine's call buffer, non-ASCII, delivered whole.
local v = tool.call("repeat", { text = "ü", times = 100000 })
return { same = v == string.rep("ü", 100000) }
