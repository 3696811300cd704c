package io.synid.server.cli;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.synid.api.spire.server.svid.v1.MintJWTSVIDRequest;
import io.synid.api.spire.server.svid.v1.MintJWTSVIDResponse;
import io.synid.api.spire.server.svid.v1.MintX509SVIDRequest;
import io.synid.api.spire.server.svid.v1.MintX509SVIDResponse;
import io.synid.api.spire.server.svid.v1.SVIDGrpc;
import io.synid.api.spire.types.JWTSVID;
import io.synid.api.spire.types.X509SVID;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;

/**
 * Mints SVIDs from a throw-away test CA, capping lifetimes at {@link #maxTtlSeconds} as a real
 * server caps them at its CA's expiry. Records every request.
 */
public final class FakeSvidService extends SVIDGrpc.SVIDImplBase {
  public final List<Message> requests = new ArrayList<>();
  public final KeyPair caKey;
  public final X509Certificate caCertificate;
  public long maxTtlSeconds = 24 * 3600;
  public long defaultTtlSeconds = 3600;

  public FakeSvidService() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"));
      caKey = generator.generateKeyPair();
      X500Name name = new X500Name("C=US,O=Test CA");
      X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name, BigInteger.ONE,
          Date.from(CliHarness.NOW.minusSeconds(60)), Date.from(CliHarness.NOW.plusSeconds(86400 * 365)),
          name, caKey.getPublic())
          .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
          .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(
              new GeneralName(GeneralName.uniformResourceIdentifier, "spiffe://example.org")));
      caCertificate = new JcaX509CertificateConverter().getCertificate(builder.build(
          new JcaContentSignerBuilder("SHA256withECDSA").build(caKey.getPrivate())));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @SuppressWarnings("unchecked")
  public <T extends Message> List<T> requests(Class<T> type) {
    return requests.stream().filter(type::isInstance).map(r -> (T) r).toList();
  }

  private long lifetime(int ttl) {
    return Math.min(ttl == 0 ? defaultTtlSeconds : ttl, maxTtlSeconds);
  }

  @Override
  public void mintX509SVID(MintX509SVIDRequest request, StreamObserver<MintX509SVIDResponse> response) {
    requests.add(request);
    try {
      JcaPKCS10CertificationRequest csr =
          new JcaPKCS10CertificationRequest(new PKCS10CertificationRequest(request.getCsr().toByteArray()));
      Extensions extensions = Extensions.getInstance(csr
          .getAttributes(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest)[0].getAttrValues().getObjectAt(0));
      GeneralNames names = GeneralNames.fromExtensions(extensions, Extension.subjectAlternativeName);
      long expiresAt = CliHarness.NOW.getEpochSecond() + lifetime(request.getTtl());
      X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(caCertificate,
          BigInteger.TWO, Date.from(CliHarness.NOW), new Date(expiresAt * 1000),
          new X500Name("C=US,O=SPIRE"), csr.getPublicKey())
          .addExtension(Extension.subjectAlternativeName, false, names);
      X509Certificate leaf = new JcaX509CertificateConverter().getCertificate(builder.build(
          new JcaContentSignerBuilder("SHA256withECDSA").build(caKey.getPrivate())));
      String uri = "";
      for (GeneralName n : names.getNames()) {
        if (n.getTagNo() == GeneralName.uniformResourceIdentifier) {
          uri = n.getName().toString();
        }
      }
      response.onNext(MintX509SVIDResponse.newBuilder().setSvid(X509SVID.newBuilder()
          .addCertChain(ByteString.copyFrom(leaf.getEncoded()))
          .setId(ProtoIds.parse(uri))
          .setExpiresAt(expiresAt)).build());
      response.onCompleted();
    } catch (Exception e) {
      response.onError(Status.INVALID_ARGUMENT.withDescription("invalid CSR: " + e).asRuntimeException());
    }
  }

  @Override
  public void mintJWTSVID(MintJWTSVIDRequest request, StreamObserver<MintJWTSVIDResponse> response) {
    requests.add(request);
    long exp = CliHarness.NOW.getEpochSecond() + lifetime(request.getTtl());
    String header = "{\"alg\":\"ES256\",\"kid\":\"k1\",\"typ\":\"JWT\"}";
    String payload = "{\"sub\":\"" + ProtoIds.format(request.getId()) + "\",\"aud\":[\""
        + String.join("\",\"", request.getAudienceList()) + "\"],\"exp\":" + exp + ",\"iat\":"
        + CliHarness.NOW.getEpochSecond() + "}";
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    String token = b64.encodeToString(header.getBytes(StandardCharsets.UTF_8)) + "."
        + b64.encodeToString(payload.getBytes(StandardCharsets.UTF_8)) + "."
        + b64.encodeToString("signature".getBytes(StandardCharsets.UTF_8));
    response.onNext(MintJWTSVIDResponse.newBuilder().setSvid(JWTSVID.newBuilder()
        .setToken(token).setId(request.getId()).setExpiresAt(exp)
        .setIssuedAt(CliHarness.NOW.getEpochSecond())).build());
    response.onCompleted();
  }
}
