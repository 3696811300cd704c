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
