package io.synid.agent.cli;

import com.google.protobuf.util.JsonFormat;
import io.grpc.StatusRuntimeException;
import io.synid.api.workload.JWTSVIDRequest;
import io.synid.api.workload.JWTSVIDResponse;
import io.synid.api.workload.ValidateJWTSVIDRequest;
import io.synid.api.workload.ValidateJWTSVIDResponse;
import io.synid.api.workload.X509SVID;
import io.synid.api.workload.X509SVIDRequest;
import io.synid.api.workload.X509SVIDResponse;
import io.synid.core.x509.Pem;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The CLI's Workload API commands, named as spire-agent's ({@code api fetch x509} ...). */
final class WorkloadApiCommands {
  private WorkloadApiCommands() {}

  static final String DEFAULT_SOCKET = "/run/synid/agent/public/api.sock";

  /** Options every Workload API command has. */
  static class SocketOptions {
    @Option(names = {"-socketPath", "--socketPath"}, defaultValue = DEFAULT_SOCKET,
        description = "Path to the Workload API socket (default: ${DEFAULT-VALUE}).")
    String socketPath;

    @Option(names = {"-timeout", "--timeout"}, defaultValue = "5",
        description = "Seconds to wait for an answer (default: ${DEFAULT-VALUE}).")
    long timeoutSeconds;

    WorkloadApiClient client() {
      return new WorkloadApiClient(WorkloadApiClient.socketPath(socketPath), true);
    }
  }

  @Command(name = "api", description = "Calls the Workload API.",
      subcommands = {Fetch.class, Validate.class})
  static final class Api {
    @CommandLine.Mixin HelpOption helpOption;
  }

  @Command(name = "fetch", description = "Fetches SVIDs.",
      subcommands = {FetchX509.class, FetchJwt.class})
  static final class Fetch {
    @CommandLine.Mixin HelpOption helpOption;
  }

  @Command(name = "validate", description = "Validates SVIDs.",
      subcommands = {ValidateJwt.class})
  static final class Validate {
    @CommandLine.Mixin HelpOption helpOption;
  }

  /** {@code api fetch x509}: the caller's X509-SVIDs, optionally written as PEM files. */
  @Command(name = "x509",
      description = "Fetches X509-SVIDs and bundles of the calling process.")
  static final class FetchX509 implements Callable<Integer> {
    @CommandLine.Mixin HelpOption helpOption;

    @CommandLine.Mixin SocketOptions socket;

    @Option(names = {"-write", "--write"},
        description = "Writes svid.N.pem, svid.N.key (0600) and bundle.N.pem into this directory.")
    Path write;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      PrintWriter out = spec.commandLine().getOut();
      try (WorkloadApiClient client = socket.client()) {
        Iterator<X509SVIDResponse> stream = client.blocking(socket.timeoutSeconds)
            .fetchX509SVID(X509SVIDRequest.getDefaultInstance());
        X509SVIDResponse response = stream.next();
        out.println("Received " + response.getSvidsCount() + " svid(s)");
        int i = 0;
        for (X509SVID svid : response.getSvidsList()) {
          List<X509Certificate> chain = certificates(svid.getX509Svid().toByteArray());
          List<X509Certificate> bundle = certificates(svid.getBundle().toByteArray());
          out.println();
          out.println("SPIFFE ID:\t\t" + svid.getSpiffeId());
          out.println("SVID Valid After:\t" + chain.get(0).getNotBefore().toInstant());
          out.println("SVID Valid Until:\t" + chain.get(0).getNotAfter().toInstant());
          out.println("CA #1 Valid After:\t" + bundle.get(0).getNotBefore().toInstant());
          out.println("CA #1 Valid Until:\t" + bundle.get(0).getNotAfter().toInstant());
          if (write != null) {
            Files.createDirectories(write);
            Files.writeString(write.resolve("svid." + i + ".pem"), Pem.encodeCertificates(chain));
            Files.writeString(write.resolve("bundle." + i + ".pem"), Pem.encodeCertificates(bundle));
            Pem.writePrivateKey(write.resolve("svid." + i + ".key"), privateKey(
                svid.getX509SvidKey().toByteArray()));
          }
          i++;
        }
        if (write != null) {
          out.println();
          out.println("Writing SVIDs, keys and bundles to " + write);
        }
        return 0;
      } catch (StatusRuntimeException e) {
        spec.commandLine().getErr().println("rpc error: " + e.getStatus().getCode() + ": "
            + e.getStatus().getDescription());
        return 1;
      }
    }
  }

  /** {@code api fetch jwt}: JWT-SVIDs for an audience, and the JWT bundles. */
  @Command(name = "jwt",
      description = "Fetches a JWT-SVID of the calling process for an audience.")
  static final class FetchJwt implements Callable<Integer> {
    @CommandLine.Mixin HelpOption helpOption;

    @CommandLine.Mixin SocketOptions socket;

    @Option(names = {"-audience", "--audience"}, required = true, split = ",",
        description = "Comma-separated audience values.")
    List<String> audience = new ArrayList<>();

    @Option(names = {"-spiffeID", "--spiffeID"}, description = "The SPIFFE ID to fetch (default: all).")
    String spiffeId = "";

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      try (WorkloadApiClient client = socket.client()) {
        JWTSVIDResponse response = client.blocking(socket.timeoutSeconds).fetchJWTSVID(
            JWTSVIDRequest.newBuilder().addAllAudience(audience).setSpiffeId(spiffeId).build());
        for (var svid : response.getSvidsList()) {
          out.println("token(" + svid.getSpiffeId() + "):");
          out.println("\t" + svid.getSvid());
          out.println();
        }
        return 0;
      } catch (StatusRuntimeException e) {
        spec.commandLine().getErr().println("rpc error: " + e.getStatus().getCode() + ": "
            + e.getStatus().getDescription());
        return 1;
      }
    }
  }

  /** {@code api validate jwt}: validates a JWT-SVID through the Workload API. */
  @Command(name = "jwt", description = "Validates a JWT-SVID.")
  static final class ValidateJwt implements Callable<Integer> {
    @CommandLine.Mixin HelpOption helpOption;

    @CommandLine.Mixin SocketOptions socket;

    @Option(names = {"-audience", "--audience"}, required = true, description = "The expected audience.")
    String audience;

    @Option(names = {"-svid", "--svid"}, required = true, description = "The JWT-SVID to validate.")
    String svid;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      PrintWriter out = spec.commandLine().getOut();
      try (WorkloadApiClient client = socket.client()) {
        ValidateJWTSVIDResponse response = client.blocking(socket.timeoutSeconds).validateJWTSVID(
            ValidateJWTSVIDRequest.newBuilder().setAudience(audience).setSvid(svid).build());
        out.println("SVID is valid.");
        out.println("SPIFFE ID : " + response.getSpiffeId());
        out.println("Claims    : " + JsonFormat.printer().omittingInsignificantWhitespace()
            .print(response.getClaims()));
        return 0;
      } catch (StatusRuntimeException e) {
        spec.commandLine().getErr().println("SVID is not valid: " + e.getStatus().getCode() + ": "
            + e.getStatus().getDescription());
        return 1;
      }
    }
  }

  /** {@code healthcheck}: whether the Workload API answers the calling process. */
  @Command(name = "healthcheck",
      description = "Checks that the agent's Workload API is up (any gRPC answer counts).")
  static final class Healthcheck implements Callable<Integer> {
    @CommandLine.Mixin HelpOption helpOption;

    @CommandLine.Mixin SocketOptions socket;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      try (WorkloadApiClient client = socket.client()) {
        try {
          client.blocking(socket.timeoutSeconds).fetchJWTSVID(JWTSVIDRequest.getDefaultInstance());
        } catch (StatusRuntimeException e) {
          // InvalidArgument (no audience) proves the agent answered; transport errors do not.
          if (e.getStatus().getCode() != io.grpc.Status.Code.INVALID_ARGUMENT) {
            spec.commandLine().getErr().println("Agent is unhealthy: " + e.getStatus().getCode()
                + ": " + e.getStatus().getDescription());
            return 1;
          }
        }
        spec.commandLine().getOut().println("Agent is healthy.");
        return 0;
      }
    }
  }

  static List<X509Certificate> certificates(byte[] ders) throws Exception {
    List<X509Certificate> out = new ArrayList<>();
    CertificateFactory factory = CertificateFactory.getInstance("X.509");
    ByteArrayInputStream in = new ByteArrayInputStream(ders);
    while (in.available() > 0) {
      out.add((X509Certificate) factory.generateCertificate(in));
    }
    return out;
  }

  static PrivateKey privateKey(byte[] pkcs8) throws Exception {
    try {
      return KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
    } catch (java.security.spec.InvalidKeySpecException notEc) {
      return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
    }
  }
}
