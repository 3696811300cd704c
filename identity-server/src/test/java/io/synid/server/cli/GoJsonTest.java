package io.synid.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import com.google.protobuf.Empty;
import io.synid.api.spire.server.agent.v1.CountAgentsResponse;
import io.synid.api.spire.server.entry.v1.ListEntriesRequest;
import io.synid.api.spire.types.Bundle;
import io.synid.api.spire.types.Entry;
import io.synid.api.spire.types.X509Certificate;
import org.junit.jupiter.api.Test;

class GoJsonTest {
  private static JsonNode json(String text) throws Exception {
    return new ObjectMapper().readTree(text);
  }

  @Test
  void compactSortsMapKeysAndEscapesLikeGo() throws Exception {
    JsonNode node = json("{\"b\":\"<a href=\\\"x\\\">&</a>\",\"a\":[1,true,null,{\"z\":\"\\u2028\\n\\u0001\"}],\"c\":{}}");

    assertThat(GoJson.compact(node, true)).isEqualTo(
        "{\"a\":[1,true,null,{\"z\":\"\\u2028\\n\\u0001\"}],\"b\":\"\\u003ca href=\\\"x\\\"\\u003e\\u0026\\u003c/a\\u003e\",\"c\":{}}");
    assertThat(GoJson.compact(node, false)).startsWith("{\"b\":");
  }

  @Test
  void indentedIsJsonIndentWithFourSpaces() throws Exception {
    assertThat(GoJson.indented(json("{\"keys\":[{\"use\":\"x\",\"x5c\":[\"a\"]}],\"empty\":[],\"n\":1}"), "    "))
        .isEqualTo("""
            {
                "keys": [
                    {
                        "use": "x",
                        "x5c": [
                            "a"
                        ]
                    }
                ],
                "empty": [],
                "n": 1
            }""");
  }

  @Test
  void protoJsonMatchesSpiresPrinter() {
    // The cases of SPIRE's cliprinter protojson tests.
    assertThat(ProtoJson.format(CountAgentsResponse.newBuilder().setCount(42).build())).isEqualTo("{\"count\":42}");
    assertThat(ProtoJson.format(CountAgentsResponse.getDefaultInstance())).isEqualTo("{\"count\":0}");
    assertThat(ProtoJson.format(Empty.getDefaultInstance())).isEqualTo("{}");
  }

  @Test
  void protoJsonLeavesUnsetMessagesOutAndPrintsScalarsAndListsWithDefaults() {
    assertThat(ProtoJson.format(ListEntriesRequest.getDefaultInstance()))
        .isEqualTo("{\"page_size\":0,\"page_token\":\"\"}");
    assertThat(ProtoJson.format(Entry.newBuilder().setId("<e>").setExpiresAt(5).build())).isEqualTo(
        "{\"admin\":false,\"created_at\":\"0\",\"dns_names\":[],\"downstream\":false,\"expires_at\":\"5\","
            + "\"federates_with\":[],\"hint\":\"\",\"id\":\"\\u003ce\\u003e\",\"jwt_svid_ttl\":0,"
            + "\"revision_number\":\"0\",\"selectors\":[],\"store_svid\":false,\"x509_svid_ttl\":0}");
    assertThat(ProtoJson.format(Bundle.newBuilder().setSequenceNumber(-1L)
        .addX509Authorities(X509Certificate.newBuilder().setAsn1(ByteString.copyFrom(new byte[] {1, 2, (byte) 0xff})))
        .build())).isEqualTo("{\"jwt_authorities\":[],\"refresh_hint\":\"0\",\"sequence_number\":\"18446744073709551615\","
            + "\"trust_domain\":\"\",\"wit_authorities\":[],\"x509_authorities\":[{\"asn1\":\"AQL/\",\"tainted\":false}]}");
  }
}
