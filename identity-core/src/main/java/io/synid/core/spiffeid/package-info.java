/**
 * SPIFFE IDs and trust domain names, parsed exactly as the SPIFFE-ID standard defines them.
 */
package io.synid.core.spiffeid;
