package io.synid.server.ca;

import io.synid.core.spiffeid.TrustDomain;
import io.synid.core.x509.KeyType;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * What the certificate authority needs to run.
 *
 * @param directory where keys (mode 0600) and the authority journal live
 * @param caTtl lifetime of each X.509 signing authority and JWT signing key
 * @param refreshHint the bundle's {@code spiffe_refresh_hint}
 * @param upstream an upstream CA that signs our authorities; empty for a self-signed root
 */
public record CaSettings(
    TrustDomain trustDomain,
    KeyType keyType,
    KeyType jwtKeyType,
    Duration caTtl,
    Duration refreshHint,
    Path directory,
    Optional<UpstreamCa> upstream) {

  /**
   * An upstream CA loaded from disk: its key signs our intermediates, and its certificate chain
   * (leaf first; the last one is the root put in the bundle) is appended to every SVID chain.
   */
  public record UpstreamCa(Path certificateChainFile, Path keyFile) {}
}
