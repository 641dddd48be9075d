export { TengoEngineFactory } from './engine.ts';
