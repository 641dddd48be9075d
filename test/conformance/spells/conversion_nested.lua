return {
  array = { 1, 2, 3 }, map = { a = 1, b = { c = "d" } }, mixed = { { 1, { x = { "y" } } } },
  empty = {}, bool = false, str = "s", deep = { a = { b = { c = { d = { e = "f" } } } } },
}
