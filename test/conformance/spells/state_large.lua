-- A short non-ASCII key and a value larger than an engine's call buffer, read back whole.
local value = string.rep("ü", 100000)
state.set("é", value)
return { same = state.get("é") == value, keys = state.keys() }
