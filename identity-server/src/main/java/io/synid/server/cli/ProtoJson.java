package io.synid.server.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;
import java.io.PrintStream;

/**
 * {@code -output json}: the protojson of a response as SPIRE's CLI prints it (proto field names,
 * fields without presence always emitted, unset messages left out, keys sorted, one line).
 */
public final class ProtoJson {
  static final ObjectMapper MAPPER = new ObjectMapper()
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
  private static final JsonFormat.Printer PRINTER = JsonFormat.printer()
      .preservingProtoFieldNames()
      .alwaysPrintFieldsWithNoPresence();

  private ProtoJson() {}

  /** The message as a JSON tree (proto field names, default values included, no nulls). */
  public static JsonNode tree(MessageOrBuilder message) {
    try {
      return GoJson.withoutNulls(MAPPER.readTree(PRINTER.print(message)));
    } catch (InvalidProtocolBufferException | JsonProcessingException e) {
      throw new IllegalStateException("cannot print " + message.getClass().getSimpleName(), e);
    }
  }

  /** The line SPIRE's CLI prints for a message, without the trailing newline. */
  public static String format(MessageOrBuilder message) {
    return GoJson.compact(tree(message), true);
  }

  /** Prints {@link #format} and a newline. */
  public static void print(PrintStream out, MessageOrBuilder message) {
    out.print(format(message) + "\n");
  }
}
