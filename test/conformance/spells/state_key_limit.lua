state.get(string.rep("k", 2 * 1024 * 1024))
return "went on"
