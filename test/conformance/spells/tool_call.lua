return tool.call("add", { a = 2, b = 40 })
