package io.synid.bench;

import io.synid.core.x509.EcdsaProvider;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;

/**
 * P-256 signatures through Bouncy Castle with the same key in two forms, same run: the JDK's key
 * object (what the CA held before) and Bouncy Castle's own (what {@code SigningAuthority} holds
 * now, see {@link EcdsaProvider#prepared}). Prints microseconds per signature for each round.
 *
 * <p>Usage: {@code EcdsaKeyFormBenchmark [rounds] [signatures per round]} (default 4, 2000).
 */
public final class EcdsaKeyFormBenchmark {
  private EcdsaKeyFormBenchmark() {}

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 4;
    int n = args.length > 1 ? Integer.parseInt(args[1]) : 2000;
    KeyPair jdk = KeyPairGenerator.getInstance("EC").generateKeyPair();
    KeyPair prepared = EcdsaProvider.prepared(jdk);
    byte[] data = new byte[400];
    for (int round = 1; round <= rounds; round++) {
      double[] micros = new double[2];
      KeyPair[] forms = {jdk, prepared};
      for (int f = 0; f < 2; f++) {
        Signature s = Signature.getInstance("SHA256withECDSA", EcdsaProvider.bouncyCastle());
        long t = System.nanoTime();
        for (int i = 0; i < n; i++) {
          s.initSign(forms[f].getPrivate());
          s.update(data);
          s.sign();
        }
        micros[f] = (System.nanoTime() - t) / 1000.0 / n;
      }
      System.out.printf("round %d: JDK key %.1f us, Bouncy Castle key %.1f us, ratio %.2fx%n",
          round, micros[0], micros[1], micros[0] / micros[1]);
    }
  }
}
