package io.synid.server.ca;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.synid.core.bundle.TrustBundle;
import io.synid.core.spiffeid.SpiffeId;
import io.synid.core.spiffeid.TrustDomain;
import io.synid.core.x509.KeyType;
import io.synid.core.x509.SigningAuthority;
import io.synid.core.x509.X509AuthorityFactory;
import io.synid.core.x509.Pem;
import io.synid.server.datastore.Datastore;
import io.synid.server.datastore.DatastoreConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class CertificateAuthorityTest {
  @TempDir Path tmp;
  MutableClock clock = new MutableClock(Instant.parse("2030-01-01T00:00:00Z"));
  Datastore datastore;
  TrustDomain td;

  @BeforeEach
  void open() throws Exception {
    td = TrustDomain.parse("example.org");
    datastore = Datastore.open(DatastoreConfig.sqlite(tmp.resolve("ds.sqlite3").toString()), clock);
  }

  @AfterEach
  void close() {
    datastore.close();
  }

  CertificateAuthority ca(KeyType type, Duration ttl, Optional<CaSettings.UpstreamCa> upstream) throws Exception {
    return new CertificateAuthority(new CaSettings(td, type, type, ttl, Duration.ofMinutes(5),
        tmp.resolve("ca"), upstream), datastore.bundles(), clock);
  }

  @Test
  void rotatesLikeSpirePreparedAtHalfActivatedWithOneSixthLeftOldKeptUntilExpiry() throws Exception {
    CertificateAuthority ca = ca(KeyType.EC_P256, Duration.ofMinutes(60), Optional.empty());
    X509Certificate first = ca.activeX509Authority().certificate();
    assertThat(ca.bundle().x509Authorities()).containsExactly(first);
    long seq1 = ca.bundle().sequenceNumber();

    clock.advance(Duration.ofMinutes(29));
    ca.rotate();
    assertThat(ca.x509Authorities()).hasSize(1);

    clock.advance(Duration.ofMinutes(1).plusSeconds(1));
    ca.rotate();
    assertThat(ca.x509Authorities()).extracting(CertificateAuthority.X509Slot::status)
        .containsExactly(AuthorityStatus.ACTIVE, AuthorityStatus.PREPARED);
    assertThat(ca.jwtAuthorities()).extracting(CertificateAuthority.JwtSlot::status)
        .containsExactly(AuthorityStatus.ACTIVE, AuthorityStatus.PREPARED);
    TrustBundle withPrepared = ca.bundle();
    assertThat(withPrepared.x509Authorities()).hasSize(2);
    assertThat(withPrepared.jwtAuthorities()).hasSize(2);
    assertThat(withPrepared.sequenceNumber()).isGreaterThan(seq1);
    assertThat(ca.activeX509Authority().certificate()).isEqualTo(first);

    clock.advance(Duration.ofMinutes(20));
    ca.rotate();
    assertThat(ca.activeX509Authority().certificate()).isNotEqualTo(first);
    assertThat(ca.x509Authorities()).extracting(CertificateAuthority.X509Slot::status)
        .containsExactly(AuthorityStatus.OLD, AuthorityStatus.ACTIVE);
    assertThat(ca.bundle().x509Authorities()).contains(first);

    X509Certificate second = ca.activeX509Authority().certificate();
    clock.advance(Duration.ofMinutes(11));
    ca.rotate();
    // The first expired and left the bundle; the second is active, and its successor is
    // already prepared (half of the second's lifetime has passed).
    assertThat(ca.bundle().x509Authorities()).doesNotContain(first).contains(second).hasSize(2);
  }

  @Test
  void svidTtlIsCappedAtTheAuthorityExpiry() throws Exception {
    CertificateAuthority ca = ca(KeyType.EC_P256, Duration.ofMinutes(10), Optional.empty());
    var key = KeyType.EC_P256.generate();
    List<X509Certificate> chain = ca.signX509Svid(key.getPublic(), SpiffeId.parse("spiffe://example.org/w"),
        List.of(), Duration.ofHours(5));
    assertThat(chain.get(0).getNotAfter()).isEqualTo(ca.activeX509Authority().certificate().getNotAfter());
    String jwt = ca.signJwtSvid(SpiffeId.parse("spiffe://example.org/w"), List.of("a"), Duration.ofHours(5));
    long exp = com.nimbusds.jwt.SignedJWT.parse(jwt).getJWTClaimsSet().getExpirationTime().toInstant().getEpochSecond();
    assertThat(exp).isLessThanOrEqualTo(ca.jwtAuthorities().get(0).notAfter().getEpochSecond());
  }

  @ParameterizedTest
  @EnumSource(KeyType.class)
  void authoritiesAndKeysSurviveARestartWithKeyFilesMode0600(KeyType type) throws Exception {
    CertificateAuthority ca = ca(type, Duration.ofHours(1), Optional.empty());
    X509Certificate active = ca.activeX509Authority().certificate();
    String kid = ca.jwtAuthorities().get(0).keyId();
    long sequence = ca.bundle().sequenceNumber();

    CertificateAuthority reopened = ca(type, Duration.ofHours(1), Optional.empty());
    assertThat(reopened.activeX509Authority().certificate()).isEqualTo(active);
    assertThat(reopened.jwtAuthorities().get(0).keyId()).isEqualTo(kid);
    assertThat(reopened.bundle().sequenceNumber()).isEqualTo(sequence);
    try (var files = Files.list(tmp.resolve("ca"))) {
      for (Path f : files.filter(p -> p.toString().endsWith(".key")).toList()) {
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f))).isEqualTo("rw-------");
      }
    }
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(tmp.resolve("ca")))).isEqualTo("rwx------");
  }

  @Test
  void upstreamCaMakesOursAnIntermediateCarriedInSvidChains() throws Exception {
    SigningAuthority root = X509AuthorityFactory.newSelfSignedAuthority(KeyType.EC_P384,
        TrustDomain.parse("example.org"), Duration.ofDays(30), clock.instant());
    Path chain = tmp.resolve("upstream.pem");
    Path key = tmp.resolve("upstream.key");
    Files.writeString(chain, Pem.encodeCertificates(List.of(root.certificate())));
    Pem.writePrivateKey(key, root.keyPair().getPrivate());
    CertificateAuthority ca = ca(KeyType.EC_P256, Duration.ofHours(1),
        Optional.of(new CaSettings.UpstreamCa(chain, key)));
    assertThat(ca.bundle().x509Authorities()).containsExactly(root.certificate());
    var workloadKey = KeyType.EC_P256.generate();
    List<X509Certificate> svid = ca.signX509Svid(workloadKey.getPublic(),
        SpiffeId.parse("spiffe://example.org/w"), List.of(), Duration.ofMinutes(5));
    assertThat(svid).hasSize(2);
    assertThat(svid.get(1)).isEqualTo(ca.activeX509Authority().certificate());
    svid.get(1).verify(root.certificate().getPublicKey());
    svid.get(0).verify(svid.get(1).getPublicKey());
  }

  @Test
  void forcedPrepareActivateAndTaint() throws Exception {
    CertificateAuthority ca = ca(KeyType.EC_P256, Duration.ofHours(1), Optional.empty());
    String firstId = ca.x509Authorities().get(0).id();
    assertThatThrownBy(ca::activate).isInstanceOf(CaException.class)
        .hasMessage("no prepared X.509 authority to activate");
    assertThatThrownBy(() -> ca.taint(firstId)).isInstanceOf(CaException.class)
        .hasMessageContaining("only an old authority can be tainted");
    ca.prepare();
    ca.activate();
    assertThat(ca.x509Authorities().get(0).status()).isEqualTo(AuthorityStatus.OLD);
    ca.taint(firstId);
    assertThat(ca.x509Authorities().get(0).status()).isEqualTo(AuthorityStatus.TAINTED);
    assertThatThrownBy(() -> ca.taint("nope")).hasMessage("no authority with ID nope");
  }
}
