export { spellWorkflow } from './spell.ts';
