package io.synid.server.audit;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import io.grpc.Status;
import java.util.List;

/**
 * Counts the per-item statuses of a batch response ({@code results[].status.code}, the shape of
 * every SPIRE {@code Batch*} RPC) by gRPC code name.
 */
final class ItemStatuses {
  private ItemStatuses() {}

  /** Code name to count, or null if {@code response} has no {@code results} with statuses. */
  static ObjectNode count(Message response) {
    FieldDescriptor results = response.getDescriptorForType().findFieldByName("results");
    if (results == null || !results.isRepeated() || results.getJavaType() != FieldDescriptor.JavaType.MESSAGE) {
      return null;
    }
    ObjectNode counts = JsonNodeFactory.instance.objectNode();
    @SuppressWarnings("unchecked")
    List<Message> items = (List<Message>) response.getField(results);
    for (Message item : items) {
      FieldDescriptor statusField = item.getDescriptorForType().findFieldByName("status");
      if (statusField == null || statusField.getJavaType() != FieldDescriptor.JavaType.MESSAGE) {
        return null;
      }
      Message status = (Message) item.getField(statusField);
      FieldDescriptor codeField = status.getDescriptorForType().findFieldByName("code");
      int code = codeField == null ? 0 : ((Number) status.getField(codeField)).intValue();
      String name = Status.fromCodeValue(code).getCode().name();
      counts.put(name, counts.path(name).asInt(0) + 1);
    }
    return counts;
  }
}
