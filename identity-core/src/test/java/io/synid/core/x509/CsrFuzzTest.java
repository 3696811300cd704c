package io.synid.core.x509;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Throws random bytes and mutated CSRs at {@link Csr#parse}: it may only return a CSR or throw
 * {@link InvalidCsrException}, never anything else.
 */
class CsrFuzzTest {

    private static final long SEED = 0xC5E_2026L;
    private static final int ITERATIONS = 4_000;

    @Test
    void parseOnlyThrowsTheDeclaredException() {
        Random random = new Random(SEED);
        List<byte[]> seeds = List.of(
                CsrTest.ecCsr(List.of(CsrTest.WORKLOAD.toString())),
                Csr.create(CsrTest.RSA_KEY, CsrTest.WORKLOAD),
                Csr.create(KeyType.EC_P384.generate()));
        int accepted = 0;
        for (int i = 0; i < ITERATIONS; i++) {
            byte[] input = i % 4 == 0 ? randomBytes(random) : mutate(seeds.get(random.nextInt(seeds.size())), random);
            try {
                Csr csr = Csr.parse(input);
                accepted++;
                assertThat(csr.publicKey()).isNotNull();
            } catch (InvalidCsrException e) {
                assertThat(e.getMessage()).isNotBlank();
            } catch (RuntimeException | StackOverflowError e) {
                fail("undeclared exception for input " + Arrays.toString(input), e);
            }
        }
        assertThat(accepted).as("unmutated seeds are accepted").isPositive();
    }

    @Test
    void deeplyNestedStructuresAreRejectedWithoutExhaustingTheStack() {
        for (byte tag : new byte[] {0x30, (byte) 0xa0, 0x31}) {
            ByteArrayOutputStream nested = new ByteArrayOutputStream();
            for (int i = 0; i < Csr.MAX_SIZE / 2; i++) {
                nested.write(tag);
                nested.write(0x80);
            }
            for (int i = 0; i < Csr.MAX_SIZE / 2 - 1; i++) {
                nested.write(0);
            }
            byte[] input = Arrays.copyOf(nested.toByteArray(), Csr.MAX_SIZE);
            assertThatThrownBy(() -> Csr.parse(input)).isInstanceOf(InvalidCsrException.class);
        }
    }

    private static byte[] mutate(byte[] seed, Random random) {
        byte[] bytes = seed.clone();
        switch (random.nextInt(6)) {
            case 0 -> bytes[random.nextInt(bytes.length)] ^= (byte) (1 << random.nextInt(8));
            case 1 -> bytes[random.nextInt(bytes.length)] = (byte) random.nextInt(256);
            case 2 -> bytes = Arrays.copyOf(bytes, random.nextInt(bytes.length));
            case 3 -> {
                int from = random.nextInt(bytes.length);
                int length = Math.min(bytes.length - from, 1 + random.nextInt(16));
                byte[] junk = new byte[length];
                random.nextBytes(junk);
                System.arraycopy(junk, 0, bytes, from, length);
            }
            case 4 -> {
                // Corrupt a length octet near the start, where the outer structure lives.
                int index = 1 + random.nextInt(Math.min(16, bytes.length - 1));
                bytes[index] = (byte) random.nextInt(256);
            }
            default -> { /* unmutated */ }
        }
        return bytes;
    }

    private static byte[] randomBytes(Random random) {
        byte[] bytes = new byte[random.nextInt(512)];
        random.nextBytes(bytes);
        if (bytes.length > 0 && random.nextBoolean()) {
            bytes[0] = 0x30;
        }
        return bytes;
    }
}
