/**
 * JWT-SVIDs: signing, and validation against the JWT authorities of the subject's trust domain.
 */
package io.synid.core.jwt;
