package io.synid.server.ca;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.synid.core.bundle.BundleJson;
import io.synid.core.bundle.TrustBundle;
import io.synid.core.jwt.JwtKey;
import io.synid.core.jwt.JwtSvidSigner;
import io.synid.core.spiffeid.SpiffeId;
import io.synid.core.x509.KeyType;
import io.synid.core.x509.Pem;
import io.synid.core.x509.SigningAuthority;
import io.synid.core.x509.X509AuthorityFactory;
import io.synid.core.x509.X509SvidSigner;
import io.synid.server.datastore.BundleStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.security.SecureRandom;

/**
 * The trust domain's signing authorities: X.509 CAs that sign X509-SVIDs and keys that sign
 * JWT-SVIDs, rotated like SPIRE's.
 *
 * <p>Rotation (driven by {@link #rotate()}, called periodically): when half of the active
 * authority's lifetime has passed, the next one is prepared and published in the bundle, so every
 * relying party knows it before it signs anything; when one sixth of the active lifetime remains,
 * the prepared one becomes active and the previous one is kept as {@code OLD} in the bundle until
 * it expires. JWT keys follow the same schedule. Forced rotation: {@link #prepare()},
 * {@link #activate()} and {@link #taint(String)}.
 *
 * <p>Persistence: each private key is a PKCS#8 PEM file with mode 0600 in the CA directory; the
 * journal ({@code journal.json}, certificates and public keys, no secrets) is replaced atomically.
 * The public bundle is stored in the datastore, its sequence number incremented on each change.
 *
 * <p>Thread safety: all methods are synchronized; signing reads an immutable snapshot.
 */
public final class CertificateAuthority {
  private static final String JOURNAL = "journal.json";
  private static final Duration BACKDATE = Duration.ofSeconds(10);

  private final CaSettings settings;
  private final BundleStore bundleStore;
  private final Clock clock;
  private final ObjectMapper json = new ObjectMapper();
  private final SecureRandom random = new SecureRandom();
  private final Optional<SigningAuthority> upstream;

  private final List<X509Slot> x509 = new ArrayList<>();
  private final List<JwtSlot> jwt = new ArrayList<>();
  /** Authorities added by operators (AppendBundle): published until they expire. */
  private final List<X509Certificate> appendedX509 = new ArrayList<>();
  private final List<JwtKey> appendedJwt = new ArrayList<>();
  private volatile Snapshot snapshot;
  /**
   * The stored bundle last decoded: every agent API call asks for the bundle, which changes a few
   * times a day; reading it stays per call (another server may have rotated), decoding does not.
   */
  private volatile DecodedBundle decodedBundle;

  private record DecodedBundle(String json, TrustBundle bundle) {}

  /** An X.509 signing authority and its state. */
  public record X509Slot(String id, SigningAuthority authority, AuthorityStatus status) {
    public Instant notAfter() {
      return authority.certificate().getNotAfter().toInstant();
    }

    public Instant notBefore() {
      return authority.certificate().getNotBefore().toInstant();
    }
  }

  /** A JWT signing key and its state. */
  public record JwtSlot(String keyId, KeyPair keyPair, Instant notBefore, Instant notAfter,
      AuthorityStatus status) {}

  private record Snapshot(X509Slot activeX509, JwtSlot activeJwt) {}

  public CertificateAuthority(CaSettings settings, BundleStore bundleStore, Clock clock)
      throws IOException, CaException {
    this.settings = settings;
    this.bundleStore = bundleStore;
    this.clock = clock;
    Files.createDirectories(settings.directory());
    Files.setPosixFilePermissions(settings.directory(), PosixFilePermissions.fromString("rwx------"));
    this.upstream = loadUpstream(settings);
    load();
    rotate();
  }

  private static Optional<SigningAuthority> loadUpstream(CaSettings settings) throws CaException {
    if (settings.upstream().isEmpty()) {
      return Optional.empty();
    }
    CaSettings.UpstreamCa up = settings.upstream().get();
    try {
      List<X509Certificate> chain =
          Pem.decodeCertificates(Files.readString(up.certificateChainFile()));
      if (chain.isEmpty()) {
        throw new CaException("upstream CA: no certificate in " + up.certificateChainFile());
      }
      PrivateKey key = Pem.decodePrivateKey(Files.readString(up.keyFile()));
      X509Certificate cert = chain.get(0);
      if (cert.getBasicConstraints() < 0) {
        throw new CaException("upstream CA: " + up.certificateChainFile()
            + " is not a CA certificate (basic constraints CA=false)");
      }
      return Optional.of(new SigningAuthority(new KeyPair(cert.getPublicKey(), key), cert,
          chain.subList(1, chain.size())));
    } catch (IOException e) {
      throw new CaException("upstream CA: cannot read " + e.getMessage(), e);
    } catch (Exception e) {
      if (e instanceof CaException ce) {
        throw ce;
      }
      throw new CaException("upstream CA: " + e.getMessage(), e);
    }
  }

  /** The SigningAuthority that signs SVIDs now. */
  public SigningAuthority activeX509Authority() {
    return snapshot.activeX509().authority();
  }

  /** Every X.509 authority with its state, oldest first. */
  public synchronized List<X509Slot> x509Authorities() {
    return List.copyOf(x509);
  }

  /** Every JWT key with its state, oldest first. */
  public synchronized List<JwtSlot> jwtAuthorities() {
    return List.copyOf(jwt);
  }

  /**
   * Signs an X509-SVID for {@code id} over {@code publicKey}. The TTL is capped at the signing
   * authority's expiry.
   *
   * @return the chain, leaf first, then our authority and any upstream intermediates (never the
   *     root that is in the bundle)
   */
  public List<X509Certificate> signX509Svid(PublicKey publicKey, SpiffeId id,
      List<String> dnsNames, Duration ttl) throws CaException {
    SigningAuthority ca = snapshot.activeX509().authority();
    try {
      X509Certificate leaf =
          X509SvidSigner.signSvid(ca, publicKey, id, dnsNames, ttl, clock.instant());
      List<X509Certificate> chain = new ArrayList<>();
      chain.add(leaf);
      if (upstream.isPresent()) {
        chain.add(ca.certificate());
        List<X509Certificate> above = upstream.get().chain();
        // The last certificate of the upstream chain is the root in the bundle: leave it out.
        chain.addAll(above.subList(0, Math.max(0, above.size() - 1)));
      }
      return chain;
    } catch (Exception e) {
      throw new CaException("signing X509-SVID for " + id + ": " + e.getMessage(), e);
    }
  }

  /** Signs a JWT-SVID; the expiry is capped at the signing key's expiry. */
  public String signJwtSvid(SpiffeId id, List<String> audience, Duration ttl) throws CaException {
    JwtSlot key = snapshot.activeJwt();
    Instant now = clock.instant();
    Instant expiry = now.plus(ttl);
    if (expiry.isAfter(key.notAfter())) {
      expiry = key.notAfter();
    }
    try {
      return JwtSvidSigner.sign(key.keyPair().getPrivate(), settings.jwtKeyType(), key.keyId(),
          id, audience, expiry, now);
    } catch (Exception e) {
      throw new CaException("signing JWT-SVID for " + id + ": " + e.getMessage(), e);
    }
  }

  /** The current bundle of our trust domain. */
  public TrustBundle bundle() throws CaException {
    String stored = bundleStore.get(settings.trustDomain().name())
        .orElseThrow(() -> new CaException("own bundle missing from the datastore"));
    DecodedBundle last = decodedBundle;
    if (last != null && last.json().equals(stored)) {
      return last.bundle();
    }
    try {
      TrustBundle bundle = BundleJson.decode(settings.trustDomain(), stored);
      decodedBundle = new DecodedBundle(stored, bundle);
      return bundle;
    } catch (Exception e) {
      throw new CaException("own bundle in the datastore is invalid: " + e.getMessage(), e);
    }
  }

  /**
   * Advances rotation to the present: creates the first authorities, prepares and activates the
   * next ones on schedule, drops expired ones, and republishes the bundle if anything changed.
   */
  public synchronized void rotate() throws CaException {
    Instant now = clock.instant();
    boolean changed = false;
    changed |= rotateX509(now);
    changed |= rotateJwt(now);
    changed |= x509.removeIf(s -> s.status() != AuthorityStatus.ACTIVE && !s.notAfter().isAfter(now));
    changed |= jwt.removeIf(s -> s.status() != AuthorityStatus.ACTIVE && !s.notAfter().isAfter(now));
    changed |= appendedX509.removeIf(c -> !c.getNotAfter().toInstant().isAfter(now));
    changed |= appendedJwt.removeIf(k -> k.hasExpiry() && !k.expiresAt().isAfter(now));
    if (changed || snapshot == null) {
      persist();
    }
  }

  private boolean rotateX509(Instant now) throws CaException {
    Optional<X509Slot> active = find(x509, AuthorityStatus.ACTIVE);
    if (active.isEmpty() || !active.get().notAfter().isAfter(now)) {
      Optional<X509Slot> prepared = find(x509, AuthorityStatus.PREPARED);
      active.ifPresent(a -> replace(x509, a, withStatus(a, AuthorityStatus.OLD)));
      if (prepared.isPresent()) {
        replace(x509, prepared.get(), withStatus(prepared.get(), AuthorityStatus.ACTIVE));
      } else {
        x509.add(newX509(now, AuthorityStatus.ACTIVE));
      }
      return true;
    }
    X509Slot a = active.get();
    Duration lifetime = Duration.between(a.notBefore().plus(BACKDATE), a.notAfter());
    boolean changed = false;
    if (find(x509, AuthorityStatus.PREPARED).isEmpty()
        && !now.isBefore(a.notBefore().plus(BACKDATE).plus(lifetime.dividedBy(2)))) {
      x509.add(newX509(now, AuthorityStatus.PREPARED));
      changed = true;
    }
    Optional<X509Slot> prepared = find(x509, AuthorityStatus.PREPARED);
    if (prepared.isPresent() && !now.isBefore(a.notAfter().minus(lifetime.dividedBy(6)))) {
      replace(x509, a, withStatus(a, AuthorityStatus.OLD));
      replace(x509, prepared.get(), withStatus(prepared.get(), AuthorityStatus.ACTIVE));
      changed = true;
    }
    return changed;
  }

  private boolean rotateJwt(Instant now) throws CaException {
    Optional<JwtSlot> active = findJwt(AuthorityStatus.ACTIVE);
    if (active.isEmpty() || !active.get().notAfter().isAfter(now)) {
      Optional<JwtSlot> prepared = findJwt(AuthorityStatus.PREPARED);
      active.ifPresent(a -> jwt.set(jwt.indexOf(a), withStatus(a, AuthorityStatus.OLD)));
      if (prepared.isPresent()) {
        jwt.set(jwt.indexOf(prepared.get()), withStatus(prepared.get(), AuthorityStatus.ACTIVE));
      } else {
        jwt.add(newJwt(now, AuthorityStatus.ACTIVE));
      }
      return true;
    }
    JwtSlot a = active.get();
    Duration lifetime = Duration.between(a.notBefore(), a.notAfter());
    boolean changed = false;
    if (findJwt(AuthorityStatus.PREPARED).isEmpty()
        && !now.isBefore(a.notBefore().plus(lifetime.dividedBy(2)))) {
      jwt.add(newJwt(now, AuthorityStatus.PREPARED));
      changed = true;
    }
    Optional<JwtSlot> prepared = findJwt(AuthorityStatus.PREPARED);
    if (prepared.isPresent() && !now.isBefore(a.notAfter().minus(lifetime.dividedBy(6)))) {
      jwt.set(jwt.indexOf(a), withStatus(a, AuthorityStatus.OLD));
      jwt.set(jwt.indexOf(prepared.get()), withStatus(prepared.get(), AuthorityStatus.ACTIVE));
      changed = true;
    }
    return changed;
  }

  /** Prepares the next X.509 authority and JWT key now, if none is prepared. */
  public synchronized void prepare() throws CaException {
    Instant now = clock.instant();
    if (find(x509, AuthorityStatus.PREPARED).isEmpty()) {
      x509.add(newX509(now, AuthorityStatus.PREPARED));
    }
    if (findJwt(AuthorityStatus.PREPARED).isEmpty()) {
      jwt.add(newJwt(now, AuthorityStatus.PREPARED));
    }
    persist();
  }

  /** Activates the prepared authorities now; the previous ones become {@code OLD}. */
  public synchronized void activate() throws CaException {
    X509Slot prepared = find(x509, AuthorityStatus.PREPARED)
        .orElseThrow(() -> new CaException("no prepared X.509 authority to activate"));
    JwtSlot preparedJwt = findJwt(AuthorityStatus.PREPARED)
        .orElseThrow(() -> new CaException("no prepared JWT authority to activate"));
    find(x509, AuthorityStatus.ACTIVE).ifPresent(a -> replace(x509, a, withStatus(a, AuthorityStatus.OLD)));
    findJwt(AuthorityStatus.ACTIVE).ifPresent(a -> jwt.set(jwt.indexOf(a), withStatus(a, AuthorityStatus.OLD)));
    replace(x509, prepared, withStatus(prepared, AuthorityStatus.ACTIVE));
    jwt.set(jwt.indexOf(preparedJwt), withStatus(preparedJwt, AuthorityStatus.ACTIVE));
    persist();
  }

  /** Marks an old authority (X.509 authority ID or JWT key ID) tainted. */
  public synchronized void taint(String authorityId) throws CaException {
    for (X509Slot s : List.copyOf(x509)) {
      if (s.id().equals(authorityId)) {
        if (s.status() != AuthorityStatus.OLD) {
          throw new CaException("only an old authority can be tainted; " + authorityId + " is "
              + s.status());
        }
        replace(x509, s, withStatus(s, AuthorityStatus.TAINTED));
        persist();
        return;
      }
    }
    for (JwtSlot s : List.copyOf(jwt)) {
      if (s.keyId().equals(authorityId)) {
        if (s.status() != AuthorityStatus.OLD) {
          throw new CaException("only an old authority can be tainted; " + authorityId + " is "
              + s.status());
        }
        jwt.set(jwt.indexOf(s), withStatus(s, AuthorityStatus.TAINTED));
        persist();
        return;
      }
    }
    throw new CaException("no authority with ID " + authorityId);
  }

  /**
   * Adds operator-supplied authorities to our bundle (SPIRE's AppendBundle). They are published
   * until they expire; duplicates are ignored. A JWT key ID that exists with another key is
   * refused.
   */
  public synchronized void appendAuthorities(List<X509Certificate> certificates, List<JwtKey> keys)
      throws CaException {
    for (JwtKey k : keys) {
      for (JwtKey existing : allJwtKeys()) {
        if (existing.keyId().equals(k.keyId()) && !existing.publicKey().equals(k.publicKey())) {
          throw new CaException("JWT key ID " + k.keyId() + " already exists with another key");
        }
      }
    }
    for (X509Certificate c : certificates) {
      if (!appendedX509.contains(c)) {
        appendedX509.add(c);
      }
    }
    for (JwtKey k : keys) {
      if (allJwtKeys().stream().noneMatch(e -> e.keyId().equals(k.keyId()))) {
        appendedJwt.add(k);
      }
    }
    persist();
  }

  private List<JwtKey> allJwtKeys() {
    List<JwtKey> keys = new ArrayList<>();
    for (JwtSlot s : jwt) {
      keys.add(new JwtKey(s.keyId(), s.keyPair().getPublic(), s.notAfter()));
    }
    keys.addAll(appendedJwt);
    return keys;
  }

  private X509Slot newX509(Instant now, AuthorityStatus status) throws CaException {
    KeyType type = settings.keyType();
    KeyPair keyPair = type.generate();
    try {
      X509Certificate cert;
      List<X509Certificate> above;
      if (upstream.isPresent()) {
        cert = X509AuthorityFactory.signIntermediate(upstream.get(), keyPair.getPublic(),
            settings.trustDomain(), settings.caTtl(), now);
        above = upstream.get().chain();
      } else {
        cert = X509AuthorityFactory.selfSignedRoot(keyPair, settings.trustDomain(),
            settings.caTtl(), now);
        above = List.of();
      }
      String id = cert.getSerialNumber().toString(16);
      writeKey("x509-" + id + ".key", keyPair.getPrivate());
      return new X509Slot(id, new SigningAuthority(keyPair, cert, above), status);
    } catch (CaException e) {
      throw e;
    } catch (Exception e) {
      throw new CaException("creating X.509 authority: " + e.getMessage(), e);
    }
  }

  private JwtSlot newJwt(Instant now, AuthorityStatus status) throws CaException {
    KeyPair keyPair = settings.jwtKeyType().generate();
    byte[] kid = new byte[16];
    random.nextBytes(kid);
    String keyId = HexFormat.of().formatHex(kid);
    writeKey("jwt-" + keyId + ".key", keyPair.getPrivate());
    return new JwtSlot(keyId, keyPair, now, now.plus(settings.caTtl()), status);
  }

  private void writeKey(String name, PrivateKey key) throws CaException {
    try {
      Pem.writePrivateKey(settings.directory().resolve(name), key);
    } catch (IOException e) {
      throw new CaException("writing key " + name + ": " + e.getMessage(), e);
    }
  }

  private static Optional<X509Slot> find(List<X509Slot> slots, AuthorityStatus status) {
    return slots.stream().filter(s -> s.status() == status).findFirst();
  }

  private Optional<JwtSlot> findJwt(AuthorityStatus status) {
    return jwt.stream().filter(s -> s.status() == status).findFirst();
  }

  private static void replace(List<X509Slot> slots, X509Slot old, X509Slot now) {
    slots.set(slots.indexOf(old), now);
  }

  private static X509Slot withStatus(X509Slot s, AuthorityStatus status) {
    return new X509Slot(s.id(), s.authority(), status);
  }

  private static JwtSlot withStatus(JwtSlot s, AuthorityStatus status) {
    return new JwtSlot(s.keyId(), s.keyPair(), s.notBefore(), s.notAfter(), status);
  }

  // ---- persistence -------------------------------------------------------------------------

  /** One journal line: public material and the name of the key file. */
  private record JournalRecord(String kind, String id, String status, String certificatePem,
      String publicKeyPem, long notBefore, long notAfter, String keyFile) {}

  private record Journal(List<JournalRecord> authorities) {}

  private void load() throws CaException {
    Path file = settings.directory().resolve(JOURNAL);
    if (!Files.exists(file)) {
      return;
    }
    try {
      Journal journal = json.readValue(file.toFile(), Journal.class);
      for (JournalRecord r : journal.authorities()) {
        if (r.kind().equals("appended-x509")) {
          appendedX509.add(Pem.decodeCertificates(r.certificatePem()).get(0));
          continue;
        }
        if (r.kind().equals("appended-jwt")) {
          appendedJwt.add(new JwtKey(r.id(), Pem.decodePublicKey(r.publicKeyPem()),
              r.notAfter() == 0 ? JwtKey.NO_EXPIRY : Instant.ofEpochSecond(r.notAfter())));
          continue;
        }
        PrivateKey key = Pem.decodePrivateKey(
            Files.readString(settings.directory().resolve(r.keyFile())));
        AuthorityStatus status = AuthorityStatus.valueOf(r.status());
        if (r.kind().equals("x509")) {
          X509Certificate cert = Pem.decodeCertificates(r.certificatePem()).get(0);
          List<X509Certificate> above = upstream.map(SigningAuthority::chain).orElse(List.of());
          x509.add(new X509Slot(r.id(),
              new SigningAuthority(new KeyPair(cert.getPublicKey(), key), cert, above), status));
        } else {
          PublicKey pub = Pem.decodePublicKey(r.publicKeyPem());
          jwt.add(new JwtSlot(r.id(), new KeyPair(pub, key), Instant.ofEpochSecond(r.notBefore()),
              Instant.ofEpochSecond(r.notAfter()), status));
        }
      }
    } catch (IOException e) {
      throw new CaException("reading CA journal " + file + ": " + e.getMessage(), e);
    } catch (Exception e) {
      throw new CaException("CA journal " + file + " is invalid: " + e.getMessage(), e);
    }
  }

  private void persist() throws CaException {
    List<JournalRecord> records = new ArrayList<>();
    for (X509Slot s : x509) {
      records.add(new JournalRecord("x509", s.id(), s.status().name(),
          Pem.encodeCertificates(List.of(s.authority().certificate())), "",
          s.notBefore().getEpochSecond(), s.notAfter().getEpochSecond(), "x509-" + s.id() + ".key"));
    }
    for (JwtSlot s : jwt) {
      records.add(new JournalRecord("jwt", s.keyId(), s.status().name(), "",
          Pem.encodePublicKey(s.keyPair().getPublic()), s.notBefore().getEpochSecond(),
          s.notAfter().getEpochSecond(), "jwt-" + s.keyId() + ".key"));
    }
    for (X509Certificate c : appendedX509) {
      records.add(new JournalRecord("appended-x509", c.getSerialNumber().toString(16), "OLD",
          Pem.encodeCertificates(List.of(c)), "", 0, c.getNotAfter().toInstant().getEpochSecond(), ""));
    }
    for (JwtKey k : appendedJwt) {
      records.add(new JournalRecord("appended-jwt", k.keyId(), "OLD", "",
          Pem.encodePublicKey(k.publicKey()), 0, k.hasExpiry() ? k.expiresAt().getEpochSecond() : 0, ""));
    }
    Path file = settings.directory().resolve(JOURNAL);
    Path tmp = settings.directory().resolve(JOURNAL + ".tmp");
    try {
      Files.writeString(tmp, json.writerWithDefaultPrettyPrinter()
          .writeValueAsString(new Journal(records)), StandardCharsets.UTF_8);
      try (var channel = java.nio.channels.FileChannel.open(tmp,
          java.nio.file.StandardOpenOption.WRITE)) {
        channel.force(true);
      }
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new CaException("writing CA journal: " + e.getMessage(), e);
    }
    snapshot = new Snapshot(find(x509, AuthorityStatus.ACTIVE).orElseThrow(),
        findJwt(AuthorityStatus.ACTIVE).orElseThrow());
    publishBundle();
  }

  /**
   * Writes our bundle to the datastore when its content differs: X.509 roots (our own
   * authorities, or the upstream root) and JWT keys of every non-expired authority. The
   * sequence number grows by one on every change.
   */
  private void publishBundle() throws CaException {
    List<X509Certificate> roots = new ArrayList<>();
    if (upstream.isPresent()) {
      List<X509Certificate> chain = upstream.get().chain();
      roots.add(chain.get(chain.size() - 1));
    } else {
      x509.stream().sorted(Comparator.comparing(X509Slot::notBefore))
          .forEach(s -> roots.add(s.authority().certificate()));
    }
    for (X509Certificate c : appendedX509) {
      if (!roots.contains(c)) {
        roots.add(c);
      }
    }
    List<JwtKey> keys = allJwtKeys();
    Optional<TrustBundle> current;
    try {
      current = bundleStore.get(settings.trustDomain().name())
          .map(j -> {
            try {
              return BundleJson.decode(settings.trustDomain(), j);
            } catch (Exception e) {
              return null;
            }
          });
    } catch (RuntimeException e) {
      throw new CaException("reading own bundle: " + e.getMessage(), e);
    }
    long sequence = current.map(TrustBundle::sequenceNumber).orElse(0L);
    if (current.isPresent()
        && current.get().x509Authorities().equals(roots)
        && sameKeys(current.get().jwtAuthorities(), keys)
        && current.get().refreshHint().equals(settings.refreshHint())) {
      return;
    }
    TrustBundle bundle = new TrustBundle(settings.trustDomain(), roots, keys, sequence + 1,
        settings.refreshHint());
    bundleStore.put(settings.trustDomain().name(), BundleJson.encode(bundle));
  }

  private static boolean sameKeys(List<JwtKey> a, List<JwtKey> b) {
    if (a.size() != b.size()) {
      return false;
    }
    for (int i = 0; i < a.size(); i++) {
      if (!a.get(i).keyId().equals(b.get(i).keyId())
          || !a.get(i).publicKey().equals(b.get(i).publicKey())) {
        return false;
      }
    }
    return true;
  }
}
