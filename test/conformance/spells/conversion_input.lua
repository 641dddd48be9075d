local i = spell.input
return { i = i, n = i.list[2], s = i.obj.k, same = (... == spell.input) }
