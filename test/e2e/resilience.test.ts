// Streams that survive and stay bounded (issue 5) on a single Redis node; see resilience-suite.ts.
import { resilienceSuite } from './resilience-suite.ts';

resilienceSuite(false);
