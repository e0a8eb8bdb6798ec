// The start-time heap policy is set before Berth's ~2 700 modules load: a static import of them would load them first.
import { startHeapDone } from './common/start-heap.js';

const { bootstrap } = await import('./bootstrap.js');
void bootstrap().then(startHeapDone);
