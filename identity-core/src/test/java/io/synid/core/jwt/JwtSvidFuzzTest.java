package io.synid.core.jwt;

import static io.synid.core.jwt.JwtSvidTest.AUTHORITIES;
import static io.synid.core.jwt.JwtSvidTest.EXP;
import static io.synid.core.jwt.JwtSvidTest.NOW;
import static io.synid.core.jwt.JwtSvidTest.WORKLOAD;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.synid.core.x509.KeyType;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Throws random strings, mutated tokens and tokens with random JSON at
 * {@link JwtSvidValidator#validate}: it may only return claims or throw
 * {@link InvalidJwtSvidException}.
 */
class JwtSvidFuzzTest {

    private static final long SEED = 0x3A7_2026L;
    private static final int ITERATIONS = 5_000;
    private static final String BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    private static final String[] JSON_ATOMS = {
        "null", "true", "0", "-1", "1e999", "-1.5e300", "9223372036854775808", "\"\"", "\"ES256\"", "\"ec\"",
        "\"JWT\"", "\"spiffe://example.org/workload\"", "\"spiffe://example.org/\"", "\"db\"", "[]", "{}", "[\"db\"]",
        "[1]", "\"\\u0000\"", "1.5", "" + EXP.getEpochSecond(),
    };
    private static final String[] NAMES = {"alg", "kid", "typ", "crit", "sub", "aud", "exp", "nbf", "iat", "jwk", "b64"};

    @Test
    void validateOnlyThrowsTheDeclaredException() {
        Random random = new Random(SEED);
        List<String> seeds = new ArrayList<>();
        for (KeyType type : KeyType.values()) {
            seeds.add(JwtSvidSigner.sign(JwtSvidTest.keyPair(type).getPrivate(), type, JwtSvidTest.kid(type), WORKLOAD,
                    List.of("db"), EXP, NOW));
        }
        int accepted = 0;
        for (int i = 0; i < ITERATIONS; i++) {
            String token = switch (i % 4) {
                case 0 -> mutate(seeds.get(random.nextInt(seeds.size())), random);
                case 1 -> randomJsonToken(random);
                case 2 -> randomBase64Parts(random);
                default -> new String(randomBytes(random), StandardCharsets.ISO_8859_1);
            };
            try {
                JwtSvidClaims claims = JwtSvidValidator.validate(token, AUTHORITIES, List.of("db"), NOW);
                accepted++;
                assertThat(claims.subject()).isEqualTo(WORKLOAD);
            } catch (InvalidJwtSvidException e) {
                assertThat(e.getMessage()).isNotBlank();
            } catch (RuntimeException | StackOverflowError e) {
                fail("undeclared exception for token " + token, e);
            }
        }
        assertThat(accepted).as("unmutated seeds are accepted").isPositive();
    }

    private static String mutate(String token, Random random) {
        StringBuilder s = new StringBuilder(token);
        int position = random.nextInt(s.length());
        switch (random.nextInt(5)) {
            case 0 -> s.setCharAt(position, BASE64URL.charAt(random.nextInt(BASE64URL.length())));
            case 1 -> s.deleteCharAt(position);
            case 2 -> s.insert(position, ".=+/ ".charAt(random.nextInt(5)));
            case 3 -> s.setLength(position);
            default -> { /* unmutated */ }
        }
        return s.toString();
    }

    private static String randomJsonToken(Random random) {
        return JwtSvidTest.ecToken(randomObject(random, 0), randomObject(random, 0));
    }

    private static String randomObject(Random random, int depth) {
        StringBuilder json = new StringBuilder("{");
        int members = random.nextInt(6);
        for (int m = 0; m < members; m++) {
            if (m > 0) {
                json.append(',');
            }
            json.append('"').append(NAMES[random.nextInt(NAMES.length)]).append("\":").append(randomValue(random, depth));
        }
        return json.append('}').toString();
    }

    private static String randomValue(Random random, int depth) {
        if (depth < 3 && random.nextInt(6) == 0) {
            return random.nextBoolean() ? randomObject(random, depth + 1) : "[" + randomValue(random, depth + 1) + "]";
        }
        return JSON_ATOMS[random.nextInt(JSON_ATOMS.length)];
    }

    private static String randomBase64Parts(Random random) {
        StringBuilder s = new StringBuilder();
        int parts = 1 + random.nextInt(5);
        for (int p = 0; p < parts; p++) {
            if (p > 0) {
                s.append('.');
            }
            int length = random.nextInt(40);
            for (int i = 0; i < length; i++) {
                s.append(BASE64URL.charAt(random.nextInt(BASE64URL.length())));
            }
        }
        return s.toString();
    }

    private static byte[] randomBytes(Random random) {
        byte[] bytes = new byte[random.nextInt(200)];
        random.nextBytes(bytes);
        return bytes;
    }
}
