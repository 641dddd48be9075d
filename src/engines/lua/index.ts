export { LuaEngineFactory } from './engine.ts';
