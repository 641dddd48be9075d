local i = spell.input
state.set("kept", i.list)
return { list = i.list, gone = i.gone, obj = i.obj, stored = state.get("kept") }
