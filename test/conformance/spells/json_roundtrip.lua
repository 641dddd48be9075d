local v = { list = { 1, 2, 3 }, name = "x", nested = { deep = { true, false } } }
local back = json.decode(json.encode(v))
return { back = back, arr = json.encode({ 1, "two", 3.5 }), num = json.decode("[1, 2.5, -3]") }
