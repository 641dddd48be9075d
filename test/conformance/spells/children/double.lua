return { from = "lua", doubled = spell.input * 2 }
