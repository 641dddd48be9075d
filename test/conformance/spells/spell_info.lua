return { has_id = type(spell.id) == "string" and #spell.id > 0, attempt = spell.attempt, input = spell.input }
