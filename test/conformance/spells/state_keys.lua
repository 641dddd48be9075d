local k = 'a "quoted" \\ key: 1 é'
state.set(k, 1)
local got = state.get(k)
local _, empty = pcall(state.get, "")
local _, number = pcall(state.get, 42)
local _, delete_empty = pcall(state.delete, "")
state.delete(k)
return { got = got, gone = state.get(k) == nil, empty = empty.message, number = number.message, delete_empty = delete_empty.message }
