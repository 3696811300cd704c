package io.synid.core.bundle;

import static io.synid.core.bundle.BundleJsonTest.BUNDLE;
import static io.synid.core.bundle.BundleJsonTest.TD;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Throws random text, mutated bundles and bundles with random key members at
 * {@link BundleJson#decode} and {@link BundleJson#decodeJwks}: they may only return or throw
 * {@link InvalidBundleException}.
 */
class BundleJsonFuzzTest {

    private static final long SEED = 0xB0D1E_2026L;
    private static final int ITERATIONS = 4_000;
    private static final String JSON_CHARS = "{}[]\":,.-+0123456789eE truenfalsxyz\\/u\u00e9\u0000\n";
    private static final String[] MEMBERS = {"use", "kty", "crv", "x", "y", "n", "e", "kid", "x5c", "d"};
    private static final String[] VALUES = {
        "\"x509-svid\"", "\"jwt-svid\"", "\"EC\"", "\"RSA\"", "\"OKP\"", "\"P-256\"", "\"P-384\"", "\"P-521\"", "\"AQAB\"",
        "\"AA\"", "\"\"", "null", "1", "-1", "[]", "{}", "[\"AA==\"]", "[\"MIIB\"]", "true", "1.5",
    };

    @Test
    void decodeOnlyThrowsTheDeclaredException() {
        Random random = new Random(SEED);
        String valid = BundleJson.encode(BUNDLE);
        int accepted = 0;
        for (int i = 0; i < ITERATIONS; i++) {
            String json = switch (i % 4) {
                case 0 -> mutate(valid, random);
                case 1 -> randomKeys(random);
                case 2 -> randomJsonish(random);
                default -> new String(randomBytes(random), StandardCharsets.ISO_8859_1);
            };
            try {
                BundleJson.decode(TD, json);
                accepted++;
            } catch (InvalidBundleException e) {
                assertThat(e.reason()).isNotBlank();
            } catch (RuntimeException | StackOverflowError e) {
                fail("undeclared exception from decode for " + json, e);
            }
            try {
                BundleJson.decodeJwks(json);
            } catch (InvalidBundleException e) {
                assertThat(e.reason()).isNotBlank();
            } catch (RuntimeException | StackOverflowError e) {
                fail("undeclared exception from decodeJwks for " + json, e);
            }
        }
        assertThat(accepted).as("some inputs stay valid").isPositive();
    }

    private static String mutate(String json, Random random) {
        StringBuilder s = new StringBuilder(json);
        int mutations = 1 + random.nextInt(3);
        for (int m = 0; m < mutations; m++) {
            int position = random.nextInt(s.length());
            switch (random.nextInt(5)) {
                case 0 -> s.setCharAt(position, JSON_CHARS.charAt(random.nextInt(JSON_CHARS.length())));
                case 1 -> s.deleteCharAt(position);
                case 2 -> s.insert(position, JSON_CHARS.charAt(random.nextInt(JSON_CHARS.length())));
                case 3 -> s.setLength(Math.max(1, position));
                default -> { /* unmutated */ }
            }
        }
        return s.toString();
    }

    private static String randomKeys(Random random) {
        StringBuilder json = new StringBuilder("{\"keys\":[");
        int keys = random.nextInt(4);
        for (int k = 0; k < keys; k++) {
            if (k > 0) {
                json.append(',');
            }
            json.append('{');
            int members = random.nextInt(7);
            for (int m = 0; m < members; m++) {
                if (m > 0) {
                    json.append(',');
                }
                json.append('"').append(MEMBERS[random.nextInt(MEMBERS.length)]).append("\":")
                        .append(VALUES[random.nextInt(VALUES.length)]);
            }
            json.append('}');
        }
        json.append(']');
        if (random.nextBoolean()) {
            json.append(",\"spiffe_sequence\":").append(VALUES[random.nextInt(VALUES.length)]);
        }
        return json.append('}').toString();
    }

    private static String randomJsonish(Random random) {
        StringBuilder s = new StringBuilder(random.nextBoolean() ? "{\"keys\":" : "");
        int length = random.nextInt(60);
        for (int i = 0; i < length; i++) {
            s.append(JSON_CHARS.charAt(random.nextInt(JSON_CHARS.length())));
        }
        return s.toString();
    }

    private static byte[] randomBytes(Random random) {
        byte[] bytes = new byte[random.nextInt(200)];
        random.nextBytes(bytes);
        return bytes;
    }
}
