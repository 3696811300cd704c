package io.synid.server.audit;

import io.synid.api.audit.AuditLog;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.Message;
import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.synid.api.transport.CallerCredentials;
import java.util.function.Function;

/**
 * Writes one audit record per gRPC call when the call closes, whatever its outcome: OK, denied,
 * invalid, failed. Key request fields come from a {@link RequestSummarizer}, which must leave out
 * secrets.
 */
public final class AuditInterceptor implements ServerInterceptor {
  /** Extracts the fields worth auditing from a request message. */
  @FunctionalInterface
  public interface RequestSummarizer extends Function<Message, ObjectNode> {}

  private final AuditLog log;
  private final RequestSummarizer summarizer;

  public AuditInterceptor(AuditLog log, RequestSummarizer summarizer) {
    this.log = log;
    this.summarizer = summarizer;
  }

  private static java.util.Optional<String> presentedId(javax.net.ssl.SSLSession session) {
    if (session == null) {
      return java.util.Optional.empty();
    }
    try {
      java.security.cert.Certificate[] chain = session.getPeerCertificates();
      if (chain.length > 0 && chain[0] instanceof java.security.cert.X509Certificate leaf
          && leaf.getSubjectAlternativeNames() != null) {
        for (java.util.List<?> san : leaf.getSubjectAlternativeNames()) {
          if (Integer.valueOf(6).equals(san.get(0))) {
            return java.util.Optional.of(String.valueOf(san.get(1)));
          }
        }
      }
    } catch (javax.net.ssl.SSLPeerUnverifiedException | java.security.cert.CertificateParsingException e) {
      // No client certificate (AttestAgent, GetBundle) or an unparsable one: nothing to record.
    }
    return java.util.Optional.empty();
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    // Read the caller here: the listener's callbacks may run without the call's Context.
    CallerCredentials caller = call.getAttributes().get(CallerCredentials.TRANSPORT_ATTRIBUTE);
    String fullMethod = call.getMethodDescriptor().getFullMethodName();
    ObjectNode record = log.newRecord("api");
    int slash = fullMethod.lastIndexOf('/');
    record.put("service", fullMethod.substring(0, slash));
    record.put("method", fullMethod.substring(slash + 1));
    ObjectNode callerNode = record.putObject("caller");
    if (caller != null) {
      callerNode.put("uid", caller.uid());
      callerNode.put("gid", caller.gid());
      callerNode.put("pid", caller.pid());
      caller.executablePath().ifPresent(p -> callerNode.put("path", p));
    } else {
      callerNode.put("address", String.valueOf(call.getAttributes().get(io.grpc.Grpc.TRANSPORT_ATTR_REMOTE_ADDR)));
      // The SPIFFE ID of the client certificate, as presented: the status says whether the
      // agent API then accepted it.
      presentedId(call.getAttributes().get(io.grpc.Grpc.TRANSPORT_ATTR_SSL_SESSION))
          .ifPresent(id -> callerNode.put("presented_id", id));
    }
    ServerCall<Q, R> auditing = new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
      @Override
      public void sendMessage(R message) {
        // Batch RPCs answer OK with one status per item: record how many items had each code,
        // so a refused item is visible in the audit trail too.
        if (message instanceof Message m) {
          ObjectNode counts = ItemStatuses.count(m);
          if (counts != null) {
            record.set("item_status", counts);
          }
        }
        super.sendMessage(message);
      }

      @Override
      public void close(Status status, Metadata trailers) {
        record.put("status", status.getCode().name());
        if (status.getDescription() != null) {
          record.put("status_message", status.getDescription());
        }
        log.record(record);
        super.close(status, trailers);
      }
    };
    ServerCall.Listener<Q> delegate = next.startCall(auditing, headers);
    return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(delegate) {
      private boolean summarized;

      @Override
      public void onMessage(Q message) {
        if (!summarized && message instanceof Message m) {
          summarized = true;
          ObjectNode fields = summarizer.apply(m);
          if (fields != null && !fields.isEmpty()) {
            record.set("request", fields);
          }
        }
        super.onMessage(message);
      }
    };
  }
}
