package io.synid.server.cli;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.io.JsonEOFException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.io.IOException;

/** JSON read from files and stdin, with syntax errors worded like Go's {@code encoding/json}. */
public final class JsonInput {
  private static final ObjectMapper MAPPER = new ObjectMapper()
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private JsonInput() {}

  /** The document's tree; {@link MissingNode} for empty input is reported as an error. */
  public static JsonNode parse(byte[] json) throws CliException {
    try {
      JsonNode node = MAPPER.readTree(json);
      if (node == null || node.isMissingNode()) {
        throw new CliException("unexpected end of JSON input");
      }
      return node;
    } catch (JsonEOFException e) {
      throw new CliException("unexpected end of JSON input", e);
    } catch (JacksonException e) {
      throw new CliException("invalid JSON: " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new CliException("invalid JSON: " + e.getMessage(), e);
    }
  }
}
