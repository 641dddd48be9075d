// Entry of a workflow bundle that holds a worker's own workflows and the spell workflows
// (createSpellPlugin's bundler hook puts it in place of the bundler's generated entry, and
// aliases both names below). Everything the generated entry exports is kept; only the
// workflows it imports gain the spell workflows, the worker's own winning a name clash.
const base = require('__llmspell_base_entry');

module.exports = {
  ...base,
  importWorkflows() {
    return { ...require('__llmspell_spell_workflows'), ...base.importWorkflows() };
  },
};
