package io.synid.agent.node;

import io.synid.core.bundle.BundlePem;
import io.synid.core.x509.InvalidPemException;
import io.synid.core.x509.Pem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;

/**
 * The agent's state on disk, in its data directory (created 0700):
 * {@code agent-svid.pem} holds the SVID key followed by its chain in one file written atomically
 * with mode 0600, so a crash never leaves a key that does not match its certificate;
 * {@code bundle.pem} holds the last X.509 roots of our trust domain, used to verify the server
 * after a restart (the bootstrap bundle may be long out of date by then).
 */
public final class AgentSvidStore {
  private static final String CERT_MARKER = "-----BEGIN CERTIFICATE-----";
  private final Path svidFile;
  private final Path bundleFile;

  public AgentSvidStore(Path dataDir) throws IOException {
    Files.createDirectories(dataDir);
    Files.setPosixFilePermissions(dataDir, PosixFilePermissions.fromString("rwx------"));
    this.svidFile = dataDir.resolve("agent-svid.pem");
    this.bundleFile = dataDir.resolve("bundle.pem");
  }

  public Path svidFile() {
    return svidFile;
  }

  /**
   * The stored SVID, or empty when there is none.
   *
   * @throws IOException if the file exists but cannot be read or is malformed (never silently
   *     ignored: an operator must see that the stored identity was unusable)
   */
  public Optional<AgentSvid> loadSvid() throws IOException {
    String text;
    try {
      text = Files.readString(svidFile);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
    int certs = text.indexOf(CERT_MARKER);
    if (certs < 0) {
      throw new IOException(svidFile + " holds no certificate");
    }
    try {
      PrivateKey key = Pem.decodePrivateKey(text.substring(0, certs));
      List<X509Certificate> chain = Pem.decodeCertificates(text.substring(certs));
      KeyPair pair = new KeyPair(chain.get(0).getPublicKey(), key);
      if (!KeyPairs.match(pair)) {
        throw new IOException(svidFile + " is inconsistent: the key does not match the certificate");
      }
      return Optional.of(new AgentSvid(pair, chain));
    } catch (InvalidPemException e) {
      throw new IOException(svidFile + " is malformed: " + e.getMessage(), e);
    }
  }

  /** Replaces the stored SVID atomically. */
  public void saveSvid(AgentSvid svid) throws IOException {
    Pem.writeKeyAndCertificates(svidFile, svid.key().getPrivate(), svid.chain());
  }

  /** Forgets the SVID (after eviction), so the next start attests again. */
  public void deleteSvid() throws IOException {
    Files.deleteIfExists(svidFile);
  }

  /** The last saved roots of our trust domain, or empty. */
  public Optional<List<X509Certificate>> loadBundle() throws IOException {
    try {
      return Optional.of(BundlePem.decode(Files.readString(bundleFile)));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (InvalidPemException e) {
      throw new IOException(bundleFile + " is malformed: " + e.getMessage(), e);
    }
  }

  /** Replaces the saved roots atomically. */
  public void saveBundle(List<X509Certificate> roots) throws IOException {
    Pem.writeCertificates(bundleFile, roots);
  }
}
