-- structured-output.lua: a validated object from a JSON Schema; a mismatch raises LlmObjectMismatch.
local person = llm.object{
  prompt = "Invent a person who likes rivers.",
  schema = {
    type = "object",
    properties = { name = { type = "string" }, age = { type = "integer" }, hobbies = { type = "array", items = { type = "string" } } },
    required = { "name", "age", "hobbies" },
  },
}
return person.object
