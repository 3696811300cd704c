package io.synid.core.spiffeid;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Throws random and mutated strings at {@link SpiffeId#parse}: it may only return an ID or throw
 * {@link InvalidSpiffeIdException}, and its verdict must match an independent regular-expression
 * oracle of the SPIFFE-ID grammar.
 */
class SpiffeIdFuzzTest {

    private static final long SEED = 0x5EED_2026L;
    private static final int ITERATIONS = 20_000;

    // The grammar, written independently of the parser: scheme, 1..255 trust domain chars, then
    // segments that are non-empty and not "." or "..".
    private static final Pattern ORACLE = Pattern.compile(
            "spiffe://[a-z0-9._-]{1,255}(/(?!\\.\\.?(/|$))[a-zA-Z0-9._-]+)*");

    private static final String[] SEEDS = {
        "spiffe://example.org",
        "spiffe://example.org/ns/default/sa/web",
        "spiffe://a.b-c_d/Foo/.../x",
        "spiffe://td/spire/agent/join_token/0f9a",
    };
    private static final String ALPHABET = "spife:/.-_aAzZ09%?#@ \t\n\u0000\u00e9\u2028~+[]\\";

    @Test
    void parseOnlyThrowsTheDeclaredExceptionAndAgreesWithTheGrammar() {
        Random random = new Random(SEED);
        int accepted = 0;
        for (int i = 0; i < ITERATIONS; i++) {
            String input = switch (i % 3) {
                case 0 -> mutate(SEEDS[random.nextInt(SEEDS.length)], random);
                case 1 -> randomFromAlphabet(random);
                default -> new String(randomBytes(random), StandardCharsets.ISO_8859_1);
            };
            boolean valid = ORACLE.matcher(input).matches() && input.length() <= SpiffeId.MAX_LENGTH;
            try {
                SpiffeId id = SpiffeId.parse(input);
                accepted++;
                assertThat(valid).as("accepted %s", input).isTrue();
                assertThat(id.toString()).isEqualTo(input);
            } catch (InvalidSpiffeIdException e) {
                assertThat(valid).as("rejected %s: %s", input, e.getMessage()).isFalse();
            } catch (RuntimeException e) {
                fail("undeclared exception for input " + input, e);
            }
        }
        assertThat(accepted).as("the mutations keep some inputs valid").isGreaterThan(100);
    }

    private static String mutate(String seed, Random random) {
        StringBuilder s = new StringBuilder(seed);
        int mutations = 1 + random.nextInt(3);
        for (int m = 0; m < mutations; m++) {
            int position = s.length() == 0 ? 0 : random.nextInt(s.length());
            switch (random.nextInt(5)) {
                case 0 -> s.insert(position, ALPHABET.charAt(random.nextInt(ALPHABET.length())));
                case 1 -> {
                    if (s.length() > 0) {
                        s.deleteCharAt(position);
                    }
                }
                case 2 -> {
                    if (s.length() > 0) {
                        s.setCharAt(position, ALPHABET.charAt(random.nextInt(ALPHABET.length())));
                    }
                }
                case 3 -> s.append("/").append("x".repeat(random.nextInt(4)));
                default -> { /* no change: keeps valid inputs in the mix */ }
            }
        }
        return s.toString();
    }

    private static String randomFromAlphabet(Random random) {
        StringBuilder s = new StringBuilder("spiffe://");
        int length = random.nextInt(40);
        for (int i = 0; i < length; i++) {
            s.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
        }
        return random.nextBoolean() ? s.toString() : s.substring(random.nextInt(s.length()));
    }

    private static byte[] randomBytes(Random random) {
        byte[] bytes = new byte[random.nextInt(64)];
        random.nextBytes(bytes);
        return bytes;
    }
}
