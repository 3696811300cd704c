package io.synid.server.agentapi;

import static org.assertj.core.api.Assertions.assertThat;

import io.synid.core.spiffeid.SpiffeId;
import io.synid.core.spiffeid.TrustDomain;
import io.synid.core.x509.KeyType;
import io.synid.server.ca.CaSettings;
import io.synid.server.ca.CertificateAuthority;
import io.synid.server.ca.MutableClock;
import io.synid.server.datastore.Datastore;
import io.synid.server.datastore.DatastoreConfig;
import java.nio.file.Path;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServerSvidKeyManagerTest {
  @TempDir Path tmp;
  private final MutableClock clock = new MutableClock(Instant.parse("2030-01-01T00:00:00Z"));
  private Datastore datastore;
  private CertificateAuthority ca;
  private ServerSvidKeyManager keys;

  @BeforeEach
  void open() throws Exception {
    TrustDomain td = TrustDomain.parse("example.org");
    datastore = Datastore.open(DatastoreConfig.sqlite(tmp.resolve("ds.sqlite3").toString()), clock);
    ca = new CertificateAuthority(new CaSettings(td, KeyType.EC_P256, KeyType.EC_P256,
        Duration.ofHours(24), Duration.ofMinutes(5), tmp.resolve("ca"), Optional.empty()),
        datastore.bundles(), clock);
    keys = new ServerSvidKeyManager(ca, SpiffeId.parse("spiffe://example.org/spire/server"),
        Duration.ofHours(1), clock);
  }

  @AfterEach
  void close() {
    datastore.close();
  }

  private X509Certificate presented() {
    return keys.getCertificateChain(keys.chooseEngineServerAlias("EC", null, null))[0];
  }

  @Test
  void presentsTheServerIdAndKeepsItUntilHalfItsLifetime() throws Exception {
    String alias = keys.chooseEngineServerAlias("EC", null, null);
    X509Certificate first = keys.getCertificateChain(alias)[0];
    assertThat(first.getSubjectAlternativeNames()).singleElement()
        .satisfies(san -> assertThat(san.get(1)).isEqualTo("spiffe://example.org/spire/server"));
    first.verify(ca.activeX509Authority().certificate().getPublicKey());

    clock.advance(Duration.ofMinutes(20));
    assertThat(presented()).isEqualTo(first);

    clock.advance(Duration.ofMinutes(15));
    X509Certificate second = presented();
    assertThat(second).isNotEqualTo(first);
    assertThat(second.getNotBefore()).isAfter(first.getNotBefore());
    // The earlier alias still pairs the earlier chain with its own key.
    Signature signer = Signature.getInstance("SHA256withECDSA");
    signer.initSign(keys.getPrivateKey(alias));
    signer.update(new byte[] {1});
    byte[] signature = signer.sign();
    Signature verifier = Signature.getInstance("SHA256withECDSA");
    verifier.initVerify(keys.getCertificateChain(alias)[0].getPublicKey());
    verifier.update(new byte[] {1});
    assertThat(verifier.verify(signature)).isTrue();
  }

  @Test
  void signsAgainWhenTheCaRotates() throws Exception {
    X509Certificate before = presented();
    ca.prepare();
    ca.activate();

    X509Certificate after = presented();

    assertThat(after).isNotEqualTo(before);
    after.verify(ca.activeX509Authority().certificate().getPublicKey());
  }
}
