/**
 * The {@code unix} workload attestor: uid, user, gid, group, supplementary groups and, with path
 * discovery, the executable's path and SHA-256, named as SPIRE's {@code unix} plugin names them.
 */
package io.synid.workloadattestor.unix;
