// The resilience suite on a private 3-master Redis Cluster: cancel and limits scripts, sharded
// control channels and draining gateways behave the same as on one node.
import { resilienceSuite } from './resilience-suite.ts';

resilienceSuite(true);
