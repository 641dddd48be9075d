-- The first uncaught branch error is raised at the call, naming the branch.
local ok, e = pcall(parallel, {
  function() return 1 end,
  function() error("boom") end,
})
local ok2, e2 = pcall(parallel, { function() return 1 end, "not a function" })
local ok3, e3 = pcall(parallel.map, { 1 }, function(x) return x end, { concurrency = 0 })
return { ok = ok, type = e.type, message = e.message, bad = e2.message, zero = e3.message }
