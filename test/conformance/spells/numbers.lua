local i = spell.input
return { int = 42, float = 1.5, neg = -7, big = 9007199254740991, huge = 1e300, tiny = 2.5e-10,
  sum = i.a + i.b, div = 7 / 2, idiv = 7 // 2, back = i }
