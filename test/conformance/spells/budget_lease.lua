-- A child's budget is a lease on what the parent has left; the child cannot spend past it.
local ok, e = pcall(spell.spawn, "children/double.lua", 1, { budget = { max_tokens = 1000 } })
local child = spell.spawn("children/spender.tengo", nil, { budget = { max_tokens = 12 } })
local ok2, e2 = pcall(child.wait, child)
return { over = e.type, child = e2.type, hit = e2.message:find("SpellBudgetExceeded", 1, true) ~= nil, used = spell.usage().total_tokens }
