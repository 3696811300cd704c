package io.synid.server.cli.x509;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import io.grpc.StatusRuntimeException;
import io.synid.api.spire.server.bundle.v1.GetBundleRequest;
import io.synid.api.spire.server.svid.v1.MintX509SVIDRequest;
import io.synid.api.spire.server.svid.v1.MintX509SVIDResponse;
import io.synid.api.spire.types.Bundle;
import io.synid.api.spire.types.SPIFFEID;
import io.synid.api.spire.types.X509Certificate;
import io.synid.server.cli.AdminClient;
import io.synid.server.cli.AdminCommand;
import io.synid.server.cli.CliEnvironment;
import io.synid.server.cli.CliException;
import io.synid.server.cli.GoDuration;
import io.synid.server.cli.GoJson;
import io.synid.server.cli.GrpcErrors;
import io.synid.server.cli.OutputFiles;
import io.synid.server.cli.Pem;
import io.synid.server.cli.ProtoIds;
import io.synid.server.cli.SpireText;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.ExtensionsGenerator;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code x509 mint}: generates an EC P-256 key here, sends a CSR whose only name is the SPIFFE ID
 * (plus {@code -dns} names) to {@code MintX509SVID}, and prints or writes the SVID chain, the key
 * (PKCS#8) and the trust domain's root CAs. The private key never leaves this process.
 */
@Command(name = "mint", description = "Mints an X509-SVID")
public final class MintX509Command extends AdminCommand {
  @Option(names = {"-spiffeID", "--spiffeID"}, paramLabel = "<spiffe id>",
      description = "SPIFFE ID of the X509-SVID")
  String spiffeId = "";

  @Option(names = {"-ttl", "--ttl"}, paramLabel = "<duration>", converter = GoDuration.Converter.class,
      description = "TTL of the X509-SVID, like 1h or 90s (default: the server's)")
  Duration ttl = Duration.ZERO;

  @Option(names = {"-dns", "--dns"}, paramLabel = "<name>",
      description = "DNS name that will be included in SVID. Can be used more than once.")
  List<String> dnsNames = new ArrayList<>();

  @Option(names = {"-write", "--write"}, paramLabel = "<dir>",
      description = "Directory to write output to instead of stdout")
  String write = "";

  @Override
  protected void run(AdminClient client, CliEnvironment env) throws CliException {
    if (spiffeId.isEmpty()) {
      throw new CliException("spiffeID must be specified");
    }
    SPIFFEID id = ProtoIds.parse(spiffeId);
    int ttlSeconds = GoDuration.ceilSeconds(ttl);
    KeyPair key = generateKey();
    byte[] csr = csr(key, ProtoIds.format(id), dnsNames);

    MintX509SVIDResponse minted;
    try {
      minted = client.svids().mintX509SVID(MintX509SVIDRequest.newBuilder()
          .setCsr(ByteString.copyFrom(csr)).setTtl(ttlSeconds).build());
    } catch (StatusRuntimeException e) {
      throw GrpcErrors.wrap("unable to mint SVID", e);
    }
    if (minted.getSvid().getCertChainCount() == 0) {
      throw new CliException("server response missing SVID chain");
    }
    Bundle bundle;
    try {
      bundle = client.bundles().getBundle(GetBundleRequest.getDefaultInstance());
    } catch (StatusRuntimeException e) {
      throw GrpcErrors.wrap("unable to get bundle", e);
    }
    if (bundle.getX509AuthoritiesCount() == 0) {
      throw new CliException("server response missing X509 Authorities");
    }
    Instant expiry = Instant.ofEpochSecond(minted.getSvid().getExpiresAt());
    if (Duration.between(env.clock().instant(), expiry).compareTo(ttl) < 0) {
      env.err().print("X509-SVID lifetime was capped shorter than specified ttl; expires "
          + SpireText.quote(DateTimeFormatter.ISO_INSTANT.format(expiry)) + "\n");
    }

    List<byte[]> chain = new ArrayList<>();
    minted.getSvid().getCertChainList().forEach(c -> chain.add(c.toByteArray()));
    List<byte[]> roots = new ArrayList<>();
    for (X509Certificate root : bundle.getX509AuthoritiesList()) {
      roots.add(root.getAsn1().toByteArray());
    }
    byte[] pkcs8 = key.getPrivate().getEncoded();
    if (write.isEmpty()) {
      printResult(env, chain, pkcs8, roots);
    } else {
      writeResult(env, chain, pkcs8, roots);
    }
  }

  private void printResult(CliEnvironment env, List<byte[]> chain, byte[] pkcs8,
      List<byte[]> roots) {
    if (output.isJson()) {
      // SPIRE prints a struct here (fields in declaration order), not a proto message.
      ObjectNode result = GoJson.object();
      ArrayNode svid = result.putArray("x509_svid");
      chain.forEach(c -> svid.add(Base64.getEncoder().encodeToString(c)));
      result.put("private_key", Base64.getEncoder().encodeToString(pkcs8));
      ArrayNode rootCas = result.putArray("root_cas");
      roots.forEach(r -> rootCas.add(Base64.getEncoder().encodeToString(r)));
      env.out().print(GoJson.compact(result, false) + "\n");
      return;
    }
    env.out().print("X509-SVID:\n" + pems(chain) + "\n");
    env.out().print("Private key:\n" + Pem.encode("PRIVATE KEY", pkcs8) + "\n");
    env.out().print("Root CAs:\n" + pems(roots) + "\n");
  }

  private void writeResult(CliEnvironment env, List<byte[]> chain, byte[] pkcs8,
      List<byte[]> roots) throws CliException {
    Path dir = Path.of(write);
    Path svidPath = dir.resolve("svid.pem");
    Path keyPath = dir.resolve("key.pem");
    Path bundlePath = dir.resolve("bundle.pem");
    try {
      OutputFiles.writePubliclyReadable(svidPath, bytes(pems(chain)));
    } catch (IOException e) {
      throw new CliException("unable to write SVID: " + e.getMessage(), e);
    }
    env.out().print("X509-SVID written to " + svidPath + "\n");
    try {
      OutputFiles.writePrivate(keyPath, bytes(Pem.encode("PRIVATE KEY", pkcs8)));
    } catch (IOException e) {
      throw new CliException("unable to write key: " + e.getMessage(), e);
    }
    env.out().print("Private key written to " + keyPath + "\n");
    try {
      OutputFiles.writePubliclyReadable(bundlePath, bytes(pems(roots)));
    } catch (IOException e) {
      throw new CliException("unable to write bundle: " + e.getMessage(), e);
    }
    env.out().print("Root CAs written to " + bundlePath + "\n");
  }

  private static KeyPair generateKey() throws CliException {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"));
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new CliException("unable to generate key: " + e.getMessage(), e);
    }
  }

  /** A PKCS#10 request with an empty subject and the IDs as subject alternative names. */
  static byte[] csr(KeyPair key, String spiffeId, List<String> dnsNames) throws CliException {
    try {
      List<GeneralName> names = new ArrayList<>();
      for (String dns : dnsNames) {
        names.add(new GeneralName(GeneralName.dNSName, dns));
      }
      names.add(new GeneralName(GeneralName.uniformResourceIdentifier, spiffeId));
      ExtensionsGenerator extensions = new ExtensionsGenerator();
      extensions.addExtension(Extension.subjectAlternativeName, false,
          new GeneralNames(names.toArray(GeneralName[]::new)));
      return new JcaPKCS10CertificationRequestBuilder(new X500Name(new RDN[0]),
              key.getPublic())
          .addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, extensions.generate())
          .build(new JcaContentSignerBuilder("SHA256withECDSA").build(key.getPrivate()))
          .getEncoded();
    } catch (IOException | OperatorCreationException | RuntimeException e) {
      throw new CliException("unable to generate CSR: " + e.getMessage(), e);
    }
  }

  private static String pems(List<byte[]> ders) {
    StringBuilder b = new StringBuilder();
    ders.forEach(d -> b.append(Pem.encode("CERTIFICATE", d)));
    return b.toString();
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }
}
