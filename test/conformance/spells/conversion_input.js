const i = spell.input;
return { i, n: i.list[1], s: i.obj.k, same: input === spell.input };
