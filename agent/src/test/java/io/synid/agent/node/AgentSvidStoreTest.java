package io.synid.agent.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.synid.agent.TestPki;
import io.synid.core.x509.KeyType;
import io.synid.core.x509.Pem;
import io.synid.core.x509.SigningAuthority;
import io.synid.core.x509.X509AuthorityFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AgentSvidStoreTest {
  private static SigningAuthority root;
  private static SigningAuthority intermediate;

  @TempDir Path tmp;

  @BeforeAll
  static void pki() {
    root = TestPki.ca("example.org");
    KeyPair key = KeyType.EC_P256.generate();
    intermediate = new SigningAuthority(key, X509AuthorityFactory.signIntermediate(root,
        key.getPublic(), TestPki.trustDomain("example.org"), Duration.ofHours(12), TestPki.NOW),
        root.chain());
  }

  private static AgentSvid agentSvid() {
    KeyPair key = KeyType.EC_P256.generate();
    X509Certificate leaf = TestPki.leaf(intermediate, key.getPublic(),
        "spiffe://example.org/spire/agent/join_token/abc");
    return new AgentSvid(key, List.of(leaf, intermediate.certificate()));
  }

  private static String mode(Path path) throws IOException {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
  }

  @Test
  void anSvidSurvivesASaveAndLoad() throws Exception {
    AgentSvidStore store = new AgentSvidStore(tmp.resolve("data"));
    AgentSvid saved = agentSvid();

    store.saveSvid(saved);
    AgentSvid loaded = store.loadSvid().orElseThrow();

    assertThat(loaded.chain()).isEqualTo(saved.chain());
    assertThat(loaded.key().getPrivate().getEncoded()).isEqualTo(saved.key().getPrivate().getEncoded());
    assertThat(loaded.key().getPublic()).isEqualTo(saved.key().getPublic());
    assertThat(KeyPairs.match(loaded.key())).isTrue();
    assertThat(loaded.spiffeId()).isEqualTo("spiffe://example.org/spire/agent/join_token/abc");
  }

  @Test
  void theDataDirectoryIs0700AndTheSvidFile0600() throws Exception {
    Path data = tmp.resolve("a/b/data");
    AgentSvidStore store = new AgentSvidStore(data);
    store.saveSvid(agentSvid());

    assertThat(mode(data)).isEqualTo("rwx------");
    assertThat(store.svidFile()).isEqualTo(data.resolve("agent-svid.pem"));
    assertThat(mode(store.svidFile())).isEqualTo("rw-------");
    try (var files = Files.list(data)) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactly("agent-svid.pem");
    }
  }

  @Test
  void anExistingDataDirectoryIsTightenedTo0700() throws Exception {
    Path data = Files.createDirectory(tmp.resolve("data"),
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));

    new AgentSvidStore(data);

    assertThat(mode(data)).isEqualTo("rwx------");
  }

  @Test
  void aSavedSvidIsStill0600AfterReplacingAWorldReadableFile() throws Exception {
    AgentSvidStore store = new AgentSvidStore(tmp.resolve("data"));
    Files.writeString(store.svidFile(), "old");
    Files.setPosixFilePermissions(store.svidFile(), PosixFilePermissions.fromString("rw-r--r--"));

    AgentSvid saved = agentSvid();
    store.saveSvid(saved);

    assertThat(mode(store.svidFile())).isEqualTo("rw-------");
    assertThat(store.loadSvid().orElseThrow().chain()).isEqualTo(saved.chain());
  }

  @Test
  void noFileIsNoSvid() throws Exception {
    AgentSvidStore store = new AgentSvidStore(tmp.resolve("data"));

    assertThat(store.loadSvid()).isEmpty();
    assertThat(store.loadBundle()).isEmpty();
  }

  @Test
  void aDeletedSvidIsGone() throws Exception {
    AgentSvidStore store = new AgentSvidStore(tmp.resolve("data"));
    store.saveSvid(agentSvid());

    store.deleteSvid();
    store.deleteSvid();

    assertThat(store.loadSvid()).isEmpty();
    assertThat(store.svidFile()).doesNotExist();
  }

  @Test
  void aFileWithoutACertificateIsAnErrorNamingIt() throws Exception {
    AgentSvidStore store = new AgentSvidStore(tmp.resolve("data"));
    Files.writeString(store.svidFile(), Pem.encodePrivateKey(KeyType.EC_P256.generate().getPrivate()));

    assertThatThrownBy(store::loadSvid).isInstanceOf(IOException.class)
        .hasMessage(store.svidFile() + " holds no certificate");
  }

  @Test
  void aCorruptedFileIsAnErrorNamingIt() throws Exception {
    AgentSvidStore store = new AgentSvidStore(tmp.resolve("data"));
    store.saveSvid(agentSvid());
    String text = Files.readString(store.svidFile());
    int body = text.indexOf("-----BEGIN CERTIFICATE-----") + 40;
    Files.writeString(store.svidFile(), text.substring(0, body) + "!!!!" + text.substring(body + 4));

    assertThatThrownBy(store::loadSvid).isInstanceOf(IOException.class)
        .hasMessageStartingWith(store.svidFile() + " is malformed: ");
  }

  @Test
  void aTruncatedFileIsAnErrorNamingIt() throws Exception {
    AgentSvidStore store = new AgentSvidStore(tmp.resolve("data"));
    store.saveSvid(agentSvid());
    String text = Files.readString(store.svidFile());
    Files.writeString(store.svidFile(), text.substring(0, text.length() - 60));

    assertThatThrownBy(store::loadSvid).isInstanceOf(IOException.class)
        .hasMessageStartingWith(store.svidFile() + " is malformed: ");
  }

  @Test
  void aCertificateWithoutItsKeyIsAnErrorNamingTheFile() throws Exception {
    AgentSvidStore store = new AgentSvidStore(tmp.resolve("data"));
    Files.writeString(store.svidFile(), Pem.encodeCertificates(agentSvid().chain()));

    assertThatThrownBy(store::loadSvid).isInstanceOf(IOException.class)
        .hasMessageStartingWith(store.svidFile() + " is malformed: ");
  }

  @Test
  void aKeyThatDoesNotMatchTheCertificateIsInconsistent() throws Exception {
    AgentSvidStore store = new AgentSvidStore(tmp.resolve("data"));
    AgentSvid svid = agentSvid();
    Pem.writeKeyAndCertificates(store.svidFile(), KeyType.EC_P256.generate().getPrivate(), svid.chain());

    assertThatThrownBy(store::loadSvid).isInstanceOf(IOException.class)
        .hasMessage(store.svidFile() + " is inconsistent: the key does not match the certificate");
  }

  @Test
  void aKeyOfAnotherTypeIsInconsistentToo() throws Exception {
    AgentSvidStore store = new AgentSvidStore(tmp.resolve("data"));
    Pem.writeKeyAndCertificates(store.svidFile(), KeyType.RSA_2048.generate().getPrivate(),
        agentSvid().chain());

    assertThatThrownBy(store::loadSvid).isInstanceOf(IOException.class)
        .hasMessage(store.svidFile() + " is inconsistent: the key does not match the certificate");
  }

  @Test
  void theBundleSurvivesASaveAndLoad() throws Exception {
    AgentSvidStore store = new AgentSvidStore(tmp.resolve("data"));
    List<X509Certificate> roots = List.of(root.certificate(), TestPki.ca("example.org").certificate());

    store.saveBundle(roots);

    assertThat(store.loadBundle()).isEqualTo(Optional.of(roots));
  }

  @Test
  void aCorruptedBundleIsAnErrorNamingIt() throws Exception {
    Path data = tmp.resolve("data");
    AgentSvidStore store = new AgentSvidStore(data);
    Files.writeString(data.resolve("bundle.pem"), "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");

    assertThatThrownBy(store::loadBundle).isInstanceOf(IOException.class)
        .hasMessageStartingWith(data.resolve("bundle.pem") + " is malformed: ");
  }

  @Test
  void anAgentSvidRenewsHalfWayAndRejectsAnEmptyChain() {
    AgentSvid svid = agentSvid();
    java.time.Instant notBefore = svid.leaf().getNotBefore().toInstant();

    assertThat(svid.renewAt()).isEqualTo(
        notBefore.plus(Duration.between(notBefore, svid.notAfter()).dividedBy(2)));
    assertThat(svid.toString()).isEqualTo("AgentSvid[spiffe://example.org/spire/agent/join_token/abc, expires "
        + svid.notAfter() + "]");
    assertThatThrownBy(() -> new AgentSvid(svid.key(), List.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("an agent SVID chain cannot be empty");
  }
}
