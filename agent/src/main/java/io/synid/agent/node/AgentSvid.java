package io.synid.agent.node;

import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The agent's own SVID: its key pair and certificate chain (leaf first).
 *
 * @param key the key pair whose public half the leaf certifies
 * @param chain leaf first, never empty
 */
public record AgentSvid(KeyPair key, List<X509Certificate> chain) {
  public AgentSvid {
    chain = List.copyOf(chain);
    if (chain.isEmpty()) {
      throw new IllegalArgumentException("an agent SVID chain cannot be empty");
    }
  }

  public X509Certificate leaf() {
    return chain.get(0);
  }

  public Instant notAfter() {
    return leaf().getNotAfter().toInstant();
  }

  /** The instant from which the SVID should be renewed: half-way through its lifetime. */
  public Instant renewAt() {
    Instant notBefore = leaf().getNotBefore().toInstant();
    return notBefore.plus(Duration.between(notBefore, notAfter()).dividedBy(2));
  }

  /** The SPIFFE ID in the leaf's URI SAN, or the empty string if there is none. */
  public String spiffeId() {
    try {
      var sans = leaf().getSubjectAlternativeNames();
      if (sans != null) {
        for (List<?> san : sans) {
          if (Integer.valueOf(6).equals(san.get(0))) {
            return String.valueOf(san.get(1));
          }
        }
      }
    } catch (java.security.cert.CertificateParsingException ignored) {
      // Treated as no SPIFFE ID.
    }
    return "";
  }

  @Override
  public String toString() {
    return "AgentSvid[" + spiffeId() + ", expires " + notAfter() + "]";
  }
}
