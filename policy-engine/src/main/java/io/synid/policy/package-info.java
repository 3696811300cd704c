/**
 * Identity-based connection policy: model ({@code model}), parser with precise errors and writer
 * ({@code parse}), evaluation with the deciding rule ({@code eval}), compilation into the
 * datapath's verdict tables with incremental deltas ({@code compile}) and suggestion from observed
 * flows ({@code suggest}). Pure logic; format and semantics in docs/policy.md.
 */
package io.synid.policy;
