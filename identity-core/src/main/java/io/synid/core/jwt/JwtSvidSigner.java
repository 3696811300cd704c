package io.synid.core.jwt;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import io.synid.core.spiffeid.SpiffeId;
import io.synid.core.x509.KeyType;
import java.security.PrivateKey;
import java.security.interfaces.ECPrivateKey;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Signs JWT-SVIDs.
 *
 * <p>The token is a JWS in compact serialization with protected header {@code alg} (from the key
 * type), {@code kid} and {@code typ: JWT}, and claims {@code sub} (the SPIFFE ID), {@code aud}
 * (always a JSON array, even with one audience), {@code exp} and {@code iat} (seconds since the
 * epoch, rounded down), as SPIRE issues them.
 */
public final class JwtSvidSigner {

    private JwtSvidSigner() {
    }

    /**
     * Signs a JWT-SVID.
     *
     * @param key the JWT authority's private key
     * @param type the key's type; decides {@code alg}
     * @param keyId the authority's key ID, published in the JWT bundle
     * @param subject the SPIFFE ID; must have a path
     * @param audience at least one non-empty audience
     * @param expiresAt the expiry; must be after {@code now}
     * @param now the current time, written as {@code iat}
     * @return the compact JWS
     * @throws IllegalArgumentException when an argument breaks the rules above or the key is not of
     *     the given type
     */
    public static String sign(PrivateKey key, KeyType type, String keyId, SpiffeId subject, List<String> audience,
            Instant expiresAt, Instant now) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(keyId, "keyId");
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(audience, "audience");
        Objects.requireNonNull(expiresAt, "expiresAt");
        Objects.requireNonNull(now, "now");
        if (!Optional.of(type).equals(KeyType.of(key))) {
            throw new IllegalArgumentException("the private key is not a " + type.configName() + " key");
        }
        if (keyId.isEmpty()) {
            throw new IllegalArgumentException("key ID cannot be empty");
        }
        if (subject.isTrustDomainId()) {
            throw new IllegalArgumentException("a JWT-SVID needs a SPIFFE ID with a path, not " + subject);
        }
        if (audience.isEmpty() || audience.stream().anyMatch(a -> a == null || a.isEmpty())) {
            throw new IllegalArgumentException("audience must hold at least one non-empty value");
        }
        if (!expiresAt.isAfter(now)) {
            throw new IllegalArgumentException("expiresAt must be after now");
        }

        Map<String, Object> claims = new LinkedHashMap<>();
        claims.put("sub", subject.toString());
        claims.put("aud", List.copyOf(audience));
        claims.put("exp", expiresAt.getEpochSecond());
        claims.put("iat", now.getEpochSecond());
        JWSHeader header = new JWSHeader.Builder(JWSAlgorithm.parse(type.jwtAlgorithm()))
                .keyID(keyId)
                .type(JOSEObjectType.JWT)
                .build();
        JWSObject jws = new JWSObject(header, new Payload(claims));
        try {
            jws.sign(signer(key));
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot sign the JWT-SVID", e);
        }
        return jws.serialize();
    }

    private static JWSSigner signer(PrivateKey key) throws JOSEException {
        if (key instanceof ECPrivateKey) {
            ECDSASigner signer = new ECDSASigner((ECPrivateKey) key);
            signer.getJCAContext().setProvider(io.synid.core.x509.EcdsaProvider.bouncyCastle());
            return signer;
        }
        return new RSASSASigner(key);
    }
}
