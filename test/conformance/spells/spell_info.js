return { has_id: typeof spell.id === "string" && spell.id.length > 0, attempt: spell.attempt, input: spell.input };
