package io.synid.server.agentapi;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.netty.handler.ssl.SslContextBuilder;
import io.synid.api.spire.server.agent.v1.AgentGrpc;
import io.synid.api.spire.server.agent.v1.AgentX509SVIDParams;
import io.synid.api.spire.server.agent.v1.AttestAgentRequest;
import io.synid.api.spire.server.agent.v1.AttestAgentResponse;
import io.synid.api.spire.types.AttestationData;
import io.synid.api.transport.SpiffeServerTrustManager;
import io.synid.core.x509.Csr;
import io.synid.nodeattestor.AgentNodeAttestor;
import java.io.ByteArrayInputStream;
import java.net.Socket;
import java.security.KeyPair;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The client side of the agent API as a spire-agent speaks it, for tests: TLS that accepts only
 * the server SVID {@code spiffe://example.org/spire/server} chaining to the current bundle,
 * optionally with an agent SVID, and the AttestAgent conversation.
 */
final class AgentApiClient {
  private AgentApiClient() {}

  /** What the server presented in the last handshake of a channel. */
  static final class SeenServer {
    volatile X509Certificate[] chain;
  }

  /** Trusts exactly the server SVID of example.org and records what the server presented. */
  private static final class SeenTrust extends javax.net.ssl.X509ExtendedTrustManager {
    private final SpiffeServerTrustManager trust;
    private final SeenServer seen;

    SeenTrust(Supplier<List<X509Certificate>> roots, SeenServer seen) {
      this.trust = new SpiffeServerTrustManager(roots, "spiffe://example.org/spire/server");
      this.seen = seen;
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType)
        throws java.security.cert.CertificateException {
      seen.chain = chain.clone();
      trust.checkServerTrusted(chain, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
        throws java.security.cert.CertificateException {
      checkServerTrusted(chain, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
        throws java.security.cert.CertificateException {
      checkServerTrusted(chain, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
        throws java.security.cert.CertificateException {
      trust.checkClientTrusted(chain, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
        throws java.security.cert.CertificateException {
      trust.checkClientTrusted(chain, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType)
        throws java.security.cert.CertificateException {
      trust.checkClientTrusted(chain, authType);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return trust.getAcceptedIssuers();
    }
  }

  static ManagedChannel channel(int port, Supplier<List<X509Certificate>> roots, SeenServer seen,
      KeyPair key, List<X509Certificate> svid) throws Exception {
    SslContextBuilder ssl = GrpcSslContexts.forClient()
        .trustManager(new SeenTrust(roots, seen));
    if (key != null) {
      ssl.keyManager(key.getPrivate(), svid.toArray(X509Certificate[]::new));
    }
    return NettyChannelBuilder.forAddress("127.0.0.1", port).sslContext(ssl.build()).build();
  }

  /** Runs AttestAgent to the end; the cause of a failure is the gRPC status exception. */
  static AttestAgentResponse.Result attest(ManagedChannel channel, AgentNodeAttestor attestor,
      KeyPair key) throws Throwable {
    CompletableFuture<AttestAgentResponse.Result> done = new CompletableFuture<>();
    AtomicReference<StreamObserver<AttestAgentRequest>> requests = new AtomicReference<>();
    requests.set(AgentGrpc.newStub(channel).attestAgent(new StreamObserver<>() {
      @Override
      public void onNext(AttestAgentResponse response) {
        if (response.hasResult()) {
          done.complete(response.getResult());
          requests.get().onCompleted();
          return;
        }
        try {
          requests.get().onNext(AttestAgentRequest.newBuilder().setChallengeResponse(
              ByteString.copyFrom(attestor.respond(response.getChallenge().toByteArray()))).build());
        } catch (Exception e) {
          done.completeExceptionally(e);
          requests.get().onError(e);
        }
      }

      @Override
      public void onError(Throwable t) {
        done.completeExceptionally(t);
      }

      @Override
      public void onCompleted() {
        done.completeExceptionally(new IllegalStateException("stream ended without a result"));
      }
    }));
    requests.get().onNext(AttestAgentRequest.newBuilder().setParams(
        AttestAgentRequest.Params.newBuilder()
            .setData(AttestationData.newBuilder().setType(attestor.name())
                .setPayload(ByteString.copyFrom(attestor.payload())))
            .setParams(AgentX509SVIDParams.newBuilder()
                .setCsr(ByteString.copyFrom(Csr.create(key))))).build());
    try {
      return done.get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw e.getCause();
    }
  }

  static List<X509Certificate> certificates(List<ByteString> ders) throws Exception {
    CertificateFactory factory = CertificateFactory.getInstance("X.509");
    List<X509Certificate> out = new ArrayList<>();
    for (ByteString der : ders) {
      out.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(der.toByteArray())));
    }
    return out;
  }
}
