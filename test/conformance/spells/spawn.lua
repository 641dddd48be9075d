-- A child spell from a file (relative to this spell): its input, a signal from the parent, its result.
local child = spell.spawn("children/greeter.lua", { name = "Ada" })
child:signal("extra", { n = 7 })
local result = child:wait()
local failing = spell.spawn("children/broken.js")
local ok, e = pcall(failing.wait, failing)
return { result = result, failed = e.type, message = e.message:find("SpellScriptError: child broke", 1, true) ~= nil }
