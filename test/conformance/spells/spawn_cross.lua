-- Children in every engine, started together, waited in order.
local js = spell.spawn("children/double.js", 21)
local tengo = spell.spawn("children/double.tengo", 4)
local lua = spell.spawn("children/double.lua", 5)
local ok, e = pcall(spell.spawn, "children/no-such-spell.lua")
local ok2, e2 = pcall(spell.spawn, { engine = "cobol", source = "" })
return { js:wait(), tengo:wait(), lua:wait(), e.type, e2.type }
