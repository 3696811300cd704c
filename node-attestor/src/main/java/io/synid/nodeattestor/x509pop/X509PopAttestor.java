package io.synid.nodeattestor.x509pop;

import io.synid.core.selector.InvalidSelectorException;
import io.synid.core.selector.Selector;
import io.synid.core.spiffeid.InvalidSpiffeIdException;
import io.synid.core.spiffeid.SpiffeId;
import io.synid.core.spiffeid.TrustDomain;
import io.synid.nodeattestor.AttestationException;
import io.synid.nodeattestor.AttestationResult;
import io.synid.nodeattestor.AttestationStep;
import io.synid.nodeattestor.NodeAttestor;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.CertPathBuilder;
import java.security.cert.CertStore;
import java.security.cert.CertificateFactory;
import java.security.cert.CollectionCertStoreParameters;
import java.security.cert.PKIXBuilderParameters;
import java.security.cert.PKIXCertPathBuilderResult;
import java.security.cert.TrustAnchor;
import java.security.cert.X509CertSelector;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1String;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;

/**
 * The server half of {@code x509pop}: verifies the agent's certificate chain against the
 * configured CA bundle, then challenges the agent to prove possession of the leaf's private key.
 *
 * <p>Security: the chain is verified (PKIX, no revocation checking, any extended key usage, as
 * SPIRE does) before any challenge is issued, and the nonce comes from {@link SecureRandom}; a
 * response is bound to this conversation's nonce, so a recorded response cannot be replayed.
 * Nodes may re-attest with the same certificate.
 */
public final class X509PopAttestor implements NodeAttestor {
  public static final String NAME = "x509pop";
  public static final String SELECTOR_TYPE = "x509pop";

  private final TrustDomain trustDomain;
  private final Set<TrustAnchor> anchors;
  private final Clock clock;
  private final SecureRandom random;

  /**
   * @param caBundle the roots agent certificates must chain to; at least one
   */
  public X509PopAttestor(TrustDomain trustDomain, List<X509Certificate> caBundle, Clock clock,
      SecureRandom random) {
    this.trustDomain = Objects.requireNonNull(trustDomain, "trustDomain");
    if (caBundle.isEmpty()) {
      throw new IllegalArgumentException("x509pop: the CA bundle is empty");
    }
    Set<TrustAnchor> set = new HashSet<>();
    for (X509Certificate ca : caBundle) {
      set.add(new TrustAnchor(ca, null));
    }
    this.anchors = Set.copyOf(set);
    this.clock = Objects.requireNonNull(clock, "clock");
    this.random = Objects.requireNonNull(random, "random");
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public AttestationStep attest(byte[] payload) throws AttestationException {
    List<byte[]> ders = X509PopMessages.decodeAttestationData(payload);
    if (ders.isEmpty()) {
      throw X509PopMessages.malformed("no certificate to attest");
    }
    X509Certificate leaf = parse(ders.get(0), "unable to parse leaf certificate");
    List<X509Certificate> intermediates = new ArrayList<>();
    for (int i = 1; i < ders.size(); i++) {
      intermediates.add(parse(ders.get(i), "unable to parse intermediate certificate " + (i - 1)));
    }
    List<X509Certificate> chain = verify(leaf, intermediates);
    boolean[] keyUsage = leaf.getKeyUsage();
    if (keyUsage == null || !keyUsage[0]) {
      throw X509PopMessages.denied("certificate not intended for digital signature use");
    }
    PublicKey key = leaf.getPublicKey();
    X509PopMessages.Kind kind;
    if (key instanceof RSAPublicKey) {
      kind = X509PopMessages.Kind.RSA;
    } else if (key instanceof ECPublicKey) {
      kind = X509PopMessages.Kind.ECDSA;
    } else {
      throw X509PopMessages.denied("unsupported public key type " + key.getAlgorithm());
    }
    AttestationResult result = result(leaf, chain);
    byte[] nonce = new byte[X509PopMessages.NONCE_LENGTH];
    random.nextBytes(nonce);
    return new AttestationStep.Challenge(X509PopMessages.encodeChallenge(kind, nonce),
        response -> {
          X509PopMessages.Response r = X509PopMessages.decodeResponse(response, kind);
          byte[] digest = X509PopMessages.combineNonces(nonce, r.nonce());
          boolean valid = kind == X509PopMessages.Kind.RSA
              ? X509PopSignatures.verifyRsaPss((RSAPublicKey) key, digest, r.signature())
              : X509PopSignatures.verifyEcdsa((ECPublicKey) key, digest, r.r(), r.s());
          if (!valid) {
            throw X509PopMessages.denied("challenge response verification failed: "
                + (kind == X509PopMessages.Kind.RSA ? "RSA" : "ECDSA") + " signature verify failed");
          }
          return new AttestationStep.Attested(result);
        });
  }

  /** {@code spiffe://<td>/spire/agent/x509pop/<fingerprint>} for an agent certificate. */
  public static SpiffeId agentId(TrustDomain trustDomain, X509Certificate leaf) {
    try {
      return SpiffeId.fromSegments(trustDomain, "spire", "agent", NAME,
          X509PopMessages.fingerprint(leaf));
    } catch (InvalidSpiffeIdException e) {
      throw new IllegalStateException("a hex fingerprint is a valid path segment", e);
    }
  }

  private static X509Certificate parse(byte[] der, String context) throws AttestationException {
    try {
      CertificateFactory factory = CertificateFactory.getInstance("X.509");
      Collection<? extends java.security.cert.Certificate> all =
          factory.generateCertificates(new ByteArrayInputStream(der));
      if (all.size() != 1) {
        throw X509PopMessages.malformed(context + ": expected exactly one certificate");
      }
      X509Certificate certificate = (X509Certificate) all.iterator().next();
      if (!java.util.Arrays.equals(certificate.getEncoded(), der)) {
        throw X509PopMessages.malformed(context + ": trailing data");
      }
      return certificate;
    } catch (GeneralSecurityException | RuntimeException e) {
      throw X509PopMessages.malformed(context + ": " + e.getMessage());
    }
  }

  /** The verified chain: leaf, intermediates and the root, in order. */
  private List<X509Certificate> verify(X509Certificate leaf, List<X509Certificate> intermediates)
      throws AttestationException {
    try {
      X509CertSelector target = new X509CertSelector();
      target.setCertificate(leaf);
      PKIXBuilderParameters params = new PKIXBuilderParameters(anchors, target);
      params.setRevocationEnabled(false);
      params.setDate(Date.from(clock.instant()));
      List<X509Certificate> pool = new ArrayList<>(intermediates);
      pool.add(leaf);
      params.addCertStore(CertStore.getInstance("Collection",
          new CollectionCertStoreParameters(pool)));
      PKIXCertPathBuilderResult built =
          (PKIXCertPathBuilderResult) CertPathBuilder.getInstance("PKIX").build(params);
      List<X509Certificate> chain = new ArrayList<>();
      for (var c : built.getCertPath().getCertificates()) {
        chain.add((X509Certificate) c);
      }
      chain.add(built.getTrustAnchor().getTrustedCert());
      return chain;
    } catch (GeneralSecurityException e) {
      throw X509PopMessages.denied("certificate verification failed: " + e.getMessage());
    }
  }

  private AttestationResult result(X509Certificate leaf, List<X509Certificate> chain)
      throws AttestationException {
    Set<Selector> selectors = new LinkedHashSet<>();
    String cn = commonName(leaf);
    if (!cn.isEmpty()) {
      selectors.add(selector("subject:cn:" + cn));
    }
    for (X509Certificate ca : chain.subList(1, chain.size())) {
      selectors.add(selector("ca:fingerprint:" + X509PopMessages.fingerprint(ca)));
    }
    selectors.add(selector("serialnumber:" + leaf.getSerialNumber().toString(16)));
    for (String uri : uriSans(leaf)) {
      sanSelector(uri).ifPresent(selectors::add);
    }
    return new AttestationResult(agentId(trustDomain, leaf), List.copyOf(selectors), true);
  }

  /**
   * {@code san:<type>:<value>} from a URI SAN {@code x509pop://<our td>/<type>/<value>}; other
   * URIs carry no x509pop selector.
   */
  private java.util.Optional<Selector> sanSelector(String uri) throws AttestationException {
    URI parsed;
    try {
      parsed = new URI(uri);
    } catch (URISyntaxException e) {
      return java.util.Optional.empty();
    }
    if (!"x509pop".equals(parsed.getScheme()) || !trustDomain.name().equals(parsed.getHost())
        || parsed.getRawPath() == null) {
      return java.util.Optional.empty();
    }
    String path = parsed.getPath();
    int slash = path.indexOf('/', 1);
    if (!path.startsWith("/") || slash < 2 || slash == path.length() - 1) {
      return java.util.Optional.empty();
    }
    return java.util.Optional.of(
        selector("san:" + path.substring(1, slash) + ":" + path.substring(slash + 1)));
  }

  private static Selector selector(String value) throws AttestationException {
    try {
      return Selector.of(SELECTOR_TYPE, value);
    } catch (InvalidSelectorException e) {
      throw X509PopMessages.malformed("certificate field cannot form a selector: " + e.getMessage());
    }
  }

  /** The subject's common name; with several, the last one (as Go's {@code pkix.Name}). */
  private static String commonName(X509Certificate certificate) {
    X500Name name = X500Name.getInstance(certificate.getSubjectX500Principal().getEncoded());
    String cn = "";
    for (RDN rdn : name.getRDNs(BCStyle.CN)) {
      ASN1Encodable value = rdn.getFirst().getValue();
      cn = value instanceof ASN1String s ? s.getString() : value.toString();
    }
    return cn;
  }

  private static List<String> uriSans(X509Certificate certificate) {
    List<String> uris = new ArrayList<>();
    try {
      Collection<List<?>> sans = certificate.getSubjectAlternativeNames();
      if (sans != null) {
        for (List<?> san : sans) {
          if (Integer.valueOf(6).equals(san.get(0)) && san.get(1) instanceof String s) {
            uris.add(s);
          }
        }
      }
    } catch (java.security.cert.CertificateParsingException e) {
      // An unparseable SAN extension yields no SAN selectors; the chain is already trusted.
    }
    return uris;
  }
}
