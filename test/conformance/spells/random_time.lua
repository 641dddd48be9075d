local a, b = math.random(), math.random()
local t0 = os.time()
local r = llm.generate{ prompt = "r " .. math.floor(a * 1000000) }
local c = math.random()
return { a = a, b = b, c = c, differ = a ~= b, t = t0 > 1700000000, later = os.time() >= t0, echoed = r.text == "echo: r " .. math.floor(a * 1000000) }
