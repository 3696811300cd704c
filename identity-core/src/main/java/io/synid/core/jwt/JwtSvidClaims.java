package io.synid.core.jwt;

import io.synid.core.spiffeid.SpiffeId;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The verified content of a JWT-SVID.
 *
 * <p>{@code claims} holds every claim of the token as parsed JSON: strings, numbers
 * ({@code Long} or {@code Double}), booleans, lists and maps, all unmodifiable. JSON {@code null}
 * values are left out.
 *
 * @param subject the SPIFFE ID from {@code sub}
 * @param audience the audiences from {@code aud}, in token order
 * @param expiresAt the expiry from {@code exp}
 * @param claims all claims
 */
public record JwtSvidClaims(SpiffeId subject, List<String> audience, Instant expiresAt, Map<String, Object> claims) {

    /** Creates the claims, copying the collections deeply into unmodifiable ones. */
    public JwtSvidClaims {
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(expiresAt, "expiresAt");
        audience = List.copyOf(audience);
        claims = copyMap(claims);
    }

    private static Map<String, Object> copyMap(Map<?, ?> map) {
        Map<String, Object> copy = new LinkedHashMap<>();
        for (Map.Entry<?, ?> entry : map.entrySet()) {
            if (entry.getKey() != null && entry.getValue() != null) {
                copy.put(entry.getKey().toString(), copyValue(entry.getValue()));
            }
        }
        return Collections.unmodifiableMap(copy);
    }

    private static Object copyValue(Object value) {
        if (value instanceof Map) {
            return copyMap((Map<?, ?>) value);
        }
        if (value instanceof List) {
            List<Object> copy = new ArrayList<>();
            for (Object element : (List<?>) value) {
                if (element != null) {
                    copy.add(copyValue(element));
                }
            }
            return Collections.unmodifiableList(copy);
        }
        return value;
    }
}
