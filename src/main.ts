// The start-time heap policy is set before Berth's ~2 700 modules load: a static import of them would load them first.
import module from 'node:module';
import { startHeapDone } from './common/start-heap.js';

// Node 22.1+ (the image's Node 24) keeps V8's compiled bundle between starts (in NODE_COMPILE_CACHE or the OS temp
// dir; NODE_DISABLE_COMPILE_CACHE=1 turns it off), so a restart skips compiling it (~0.1 s); Node 20 has no such cache.
(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();

const { bootstrap } = await import('./bootstrap.js');
void bootstrap().then(startHeapDone);
