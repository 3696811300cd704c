/**
 * Identity-based connection policy: model, parser with precise errors, evaluation with the deciding rule, compilation into the datapath's verdict tables and suggestion from observed flows. Pure logic with an injected clock. Filled by issue 6 (policy engine).
 */
package io.synid.policy;
