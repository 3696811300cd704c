package io.synid.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.synid.api.node.v1.Flow;
import io.synid.api.node.v1.ForwardAuditRequest;
import io.synid.api.node.v1.ReportFlowsRequest;
import io.synid.api.spire.server.entry.v1.BatchCreateEntryRequest;
import io.synid.api.spire.server.svid.v1.BatchNewX509SVIDRequest;
import io.synid.api.spire.server.svid.v1.NewX509SVIDParams;
import io.synid.api.spire.types.Entry;
import io.synid.api.spire.types.SPIFFEID;
import io.synid.api.spire.types.Selector;
import org.junit.jupiter.api.Test;

/** What the audit log records of a request: long and bulky repeated fields only as counts. */
class AuditSummaryTest {
  @Test
  void bulkyAndLongRepeatedFieldsAreCountedAtTheirPlace() {
    ForwardAuditRequest.Builder forward = ForwardAuditRequest.newBuilder().setFirstSequence(7);
    for (int i = 0; i < 1000; i++) {
      forward.addRecords("{\"schema\":\"synid.audit/v1\",\"n\":" + i + "}");
    }
    assertThat(IdentityServer.summarize(forward.build()).toString())
        .isEqualTo("{\"first_sequence\":\"7\",\"records_count\":1000}");

    ReportFlowsRequest.Builder flows = ReportFlowsRequest.newBuilder();
    for (int i = 0; i < 21; i++) {
      flows.addFlows(Flow.newBuilder().setPort(i));
    }
    assertThat(IdentityServer.summarize(flows.build()).toString()).isEqualTo("{\"flows_count\":21}");

    // Inside a short repeated field: the entry stays, its 25 selectors become a count.
    Entry.Builder entry = Entry.newBuilder().setSpiffeId(SPIFFEID.newBuilder()
        .setTrustDomain("example.org").setPath("/web"));
    for (int i = 0; i < 25; i++) {
      entry.addSelectors(Selector.newBuilder().setType("unix").setValue("uid:" + i));
    }
    assertThat(IdentityServer.summarize(BatchCreateEntryRequest.newBuilder().addEntries(entry)
        .build()).toString()).isEqualTo("{\"entries\":[{\"spiffe_id\":{\"trust_domain\":"
            + "\"example.org\",\"path\":\"/web\"},\"selectors_count\":25}]}");

    // Secrets inside short repeated fields are still redacted.
    assertThat(IdentityServer.summarize(BatchNewX509SVIDRequest.newBuilder().addParams(
        NewX509SVIDParams.newBuilder().setEntryId("e1").setCsr(ByteString.copyFromUtf8("secret")))
        .build()).toString()).isEqualTo("{\"params\":[{\"entry_id\":\"e1\",\"csr\":\"[redacted]\"}]}");
  }
}
