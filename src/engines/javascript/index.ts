export { JavaScriptEngineFactory } from './engine.ts';
