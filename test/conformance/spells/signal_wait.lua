local a = signal.wait("approve")
local b = signal.wait("approve")
return { a = a, b = b }
