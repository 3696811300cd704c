package io.synid.agent.cache;

import io.synid.api.spire.types.Entry;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * An X509-SVID the agent holds for one registration entry.
 *
 * @param entry the entry, at the revision the SVID was signed for
 * @param chain leaf first
 * @param key the SVID's private key (never logged, never written to disk)
 */
public record WorkloadSvid(Entry entry, List<X509Certificate> chain, PrivateKey key) {
  public WorkloadSvid {
    chain = List.copyOf(chain);
  }

  public X509Certificate leaf() {
    return chain.get(0);
  }

  /** Half-way through the SVID's lifetime, when the agent replaces it. */
  public Instant rotateAt() {
    Instant notBefore = leaf().getNotBefore().toInstant();
    Instant notAfter = leaf().getNotAfter().toInstant();
    return notBefore.plus(Duration.between(notBefore, notAfter).dividedBy(2));
  }

  public Instant notAfter() {
    return leaf().getNotAfter().toInstant();
  }

  /** The leaf's serial number in lower-case hex, for audit records. */
  public String serialHex() {
    return leaf().getSerialNumber().toString(16);
  }

  @Override
  public String toString() {
    return "WorkloadSvid[" + entry.getId() + ", serial " + serialHex() + "]";
  }
}
