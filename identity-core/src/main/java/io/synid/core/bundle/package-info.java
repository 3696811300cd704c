/**
 * Trust bundles and their encodings: the SPIFFE bundle format (a JWK Set), plain JWKS for
 * workloads, and PEM.
 */
package io.synid.core.bundle;
