package io.synid.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import io.synid.api.spire.server.agent.v1.AttestAgentRequest;
import io.synid.api.spire.server.agent.v1.AttestAgentResponse;
import io.synid.api.spire.server.agent.v1.CreateJoinTokenRequest;
import io.synid.api.spire.server.agent.v1.PostStatusRequest;
import io.synid.api.spire.server.bundle.v1.BatchDeleteFederatedBundleRequest;
import io.synid.api.spire.server.entry.v1.EntryRevision;
import io.synid.api.spire.server.entry.v1.ListEntriesRequest;
import io.synid.api.spire.server.entry.v1.SyncAuthorizedEntriesRequest;
import io.synid.api.spire.server.entry.v1.SyncAuthorizedEntriesResponse;
import io.synid.api.spire.server.svid.v1.NewDownstreamX509CAResponse;
import io.synid.api.spire.server.svid.v1.NewX509SVIDParams;
import io.synid.api.spire.types.Agent;
import io.synid.api.spire.types.Bundle;
import io.synid.api.spire.types.Entry;
import io.synid.api.spire.types.EntryMask;
import io.synid.api.spire.types.FederationRelationship;
import io.synid.api.spire.types.JWTKey;
import io.synid.api.spire.types.JWTSVID;
import io.synid.api.spire.types.LogLevel;
import io.synid.api.spire.types.PermissionDeniedDetails;
import io.synid.api.spire.types.SPIFFEID;
import io.synid.api.spire.types.Selector;
import io.synid.api.spire.types.SelectorMatch;
import io.synid.api.spire.types.Status;
import io.synid.api.spire.types.X509SVID;
import io.synid.api.workload.JWTSVIDRequest;
import io.synid.api.workload.ValidateJWTSVIDResponse;
import io.synid.api.workload.WITSVID;
import io.synid.api.workload.WorkloadProto;
import io.synid.api.workload.X509SVIDResponse;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Pins message shapes (names, field numbers, types, labels) against the SPIRE API SDK and the
 * SPIFFE Workload API. Field numbers must never change.
 */
class FieldNumbersTest {

    /** Renders each field like its .proto declaration, e.g. {@code repeated string dns_names = 10}. */
    private static List<String> fieldsOf(Descriptor message) {
        return message.getFields().stream().map(FieldNumbersTest::declaration).collect(Collectors.toList());
    }

    private static String declaration(FieldDescriptor field) {
        String type;
        if (field.isMapField()) {
            Descriptor mapEntry = field.getMessageType();
            type = "map<" + typeName(mapEntry.findFieldByNumber(1)) + ", " + typeName(mapEntry.findFieldByNumber(2)) + ">";
        } else {
            type = typeName(field);
            if (field.isRepeated()) {
                type = "repeated " + type;
            } else if (field.toProto().getProto3Optional()) {
                type = "optional " + type;
            }
        }
        String decl = type + " " + field.getName() + " = " + field.getNumber();
        if (field.getRealContainingOneof() != null) {
            decl += " [oneof " + field.getRealContainingOneof().getName() + "]";
        }
        return decl;
    }

    private static String typeName(FieldDescriptor field) {
        switch (field.getType()) {
            case MESSAGE:
                return field.getMessageType().getFullName();
            case ENUM:
                return field.getEnumType().getFullName();
            default:
                return field.getType().name().toLowerCase();
        }
    }

    private static List<String> valuesOf(EnumDescriptor e) {
        return e.getValues().stream()
                .map((EnumValueDescriptor v) -> v.getName() + " = " + v.getNumber())
                .collect(Collectors.toList());
    }

    @Test
    void protoPackages() {
        assertThat(Entry.getDescriptor().getFullName()).isEqualTo("spire.api.types.Entry");
        assertThat(EntryRevision.getDescriptor().getFullName()).isEqualTo("spire.api.server.entry.v1.EntryRevision");
        assertThat(NewX509SVIDParams.getDescriptor().getFullName()).isEqualTo("spire.api.server.svid.v1.NewX509SVIDParams");
        FileDescriptor workload = WorkloadProto.getDescriptor();
        assertThat(workload.getPackage()).isEmpty();
        assertThat(X509SVIDResponse.getDescriptor().getFullName()).isEqualTo("X509SVIDResponse");
    }

    @Test
    void entry() {
        assertThat(fieldsOf(Entry.getDescriptor())).containsExactly(
                "string id = 1",
                "spire.api.types.SPIFFEID spiffe_id = 2",
                "spire.api.types.SPIFFEID parent_id = 3",
                "repeated spire.api.types.Selector selectors = 4",
                "int32 x509_svid_ttl = 5",
                "repeated string federates_with = 6",
                "bool admin = 7",
                "bool downstream = 8",
                "int64 expires_at = 9",
                "repeated string dns_names = 10",
                "int64 revision_number = 11",
                "bool store_svid = 12",
                "int32 jwt_svid_ttl = 13",
                "string hint = 14",
                "int64 created_at = 15",
                "optional spire.api.types.Entry.AdditionalAttributes additional_attributes = 16");
        assertThat(fieldsOf(Entry.AdditionalAttributes.getDescriptor())).containsExactly(
                "bool disable_x509_svid_prefetch = 1",
                "bool jwt_svid_include_jti = 2");
        // The mask mirrors Entry without id.
        assertThat(EntryMask.getDescriptor().getFields())
                .extracting(FieldDescriptor::getNumber)
                .containsExactly(2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16);
    }

    @Test
    void commonTypes() {
        assertThat(fieldsOf(SPIFFEID.getDescriptor())).containsExactly("string trust_domain = 1", "string path = 2");
        assertThat(fieldsOf(Selector.getDescriptor())).containsExactly("string type = 1", "string value = 2");
        assertThat(fieldsOf(Status.getDescriptor())).containsExactly("int32 code = 1", "string message = 2");
        assertThat(valuesOf(SelectorMatch.MatchBehavior.getDescriptor())).containsExactly(
                "MATCH_EXACT = 0", "MATCH_SUBSET = 1", "MATCH_SUPERSET = 2", "MATCH_ANY = 3");
        assertThat(valuesOf(PermissionDeniedDetails.Reason.getDescriptor())).containsExactly(
                "UNKNOWN = 0", "AGENT_EXPIRED = 1", "AGENT_NOT_ATTESTED = 2", "AGENT_NOT_ACTIVE = 3",
                "AGENT_BANNED = 4", "AGENT_MUST_REATTEST = 5");
        assertThat(valuesOf(LogLevel.getDescriptor())).containsExactly(
                "UNSPECIFIED = 0", "PANIC = 1", "FATAL = 2", "ERROR = 3", "WARN = 4", "INFO = 5", "DEBUG = 6",
                "TRACE = 7");
    }

    @Test
    void agentAndSvids() {
        assertThat(fieldsOf(Agent.getDescriptor())).containsExactly(
                "spire.api.types.SPIFFEID id = 1",
                "string attestation_type = 2",
                "string x509svid_serial_number = 3",
                "int64 x509svid_expires_at = 4",
                "repeated spire.api.types.Selector selectors = 5",
                "bool banned = 6",
                "bool can_reattest = 7",
                "string agent_version = 8");
        assertThat(fieldsOf(X509SVID.getDescriptor())).containsExactly(
                "repeated bytes cert_chain = 1",
                "spire.api.types.SPIFFEID id = 2",
                "int64 expires_at = 3",
                "string hint = 4");
        assertThat(fieldsOf(JWTSVID.getDescriptor())).containsExactly(
                "string token = 1",
                "spire.api.types.SPIFFEID id = 2",
                "int64 expires_at = 3",
                "int64 issued_at = 4",
                "string hint = 5");
    }

    @Test
    void bundleAndFederation() {
        assertThat(fieldsOf(Bundle.getDescriptor())).containsExactly(
                "string trust_domain = 1",
                "repeated spire.api.types.X509Certificate x509_authorities = 2",
                "repeated spire.api.types.JWTKey jwt_authorities = 3",
                "int64 refresh_hint = 4",
                "uint64 sequence_number = 5",
                "repeated spire.api.types.WITKey wit_authorities = 6");
        assertThat(fieldsOf(JWTKey.getDescriptor())).containsExactly(
                "bytes public_key = 1", "string key_id = 2", "int64 expires_at = 3", "bool tainted = 4");
        assertThat(fieldsOf(FederationRelationship.getDescriptor())).containsExactly(
                "string trust_domain = 1",
                "string bundle_endpoint_url = 2",
                "spire.api.types.HTTPSWebProfile https_web = 3 [oneof bundle_endpoint_profile]",
                "spire.api.types.HTTPSSPIFFEProfile https_spiffe = 4 [oneof bundle_endpoint_profile]",
                "spire.api.types.Bundle trust_domain_bundle = 5");
        assertThat(valuesOf(BatchDeleteFederatedBundleRequest.Mode.getDescriptor()))
                .containsExactly("RESTRICT = 0", "DELETE = 1", "DISSOCIATE = 2");
    }

    @Test
    void agentServiceMessages() {
        assertThat(fieldsOf(AttestAgentRequest.getDescriptor())).containsExactly(
                "spire.api.server.agent.v1.AttestAgentRequest.Params params = 1 [oneof step]",
                "bytes challenge_response = 2 [oneof step]");
        assertThat(fieldsOf(AttestAgentRequest.Params.getDescriptor())).containsExactly(
                "spire.api.types.AttestationData data = 1",
                "spire.api.server.agent.v1.AgentX509SVIDParams params = 2");
        assertThat(fieldsOf(AttestAgentResponse.getDescriptor())).containsExactly(
                "spire.api.server.agent.v1.AttestAgentResponse.Result result = 1 [oneof step]",
                "bytes challenge = 2 [oneof step]");
        assertThat(fieldsOf(AttestAgentResponse.Result.getDescriptor())).containsExactly(
                "spire.api.types.X509SVID svid = 1", "bool reattestable = 2");
        assertThat(fieldsOf(CreateJoinTokenRequest.getDescriptor())).containsExactly(
                "int32 ttl = 1", "string token = 2", "spire.api.types.SPIFFEID agent_id = 3");
        assertThat(fieldsOf(PostStatusRequest.getDescriptor())).containsExactly(
                "uint64 current_bundle_serial = 1", "string agent_version = 2");
    }

    @Test
    void entryServiceMessages() {
        assertThat(fieldsOf(ListEntriesRequest.Filter.getDescriptor())).containsExactly(
                "spire.api.types.SPIFFEID by_spiffe_id = 1",
                "spire.api.types.SPIFFEID by_parent_id = 2",
                "spire.api.types.SelectorMatch by_selectors = 3",
                "spire.api.types.FederatesWithMatch by_federates_with = 4",
                "google.protobuf.StringValue by_hint = 5",
                "google.protobuf.BoolValue by_downstream = 6");
        assertThat(fieldsOf(SyncAuthorizedEntriesRequest.getDescriptor())).containsExactly(
                "spire.api.types.EntryMask output_mask = 1", "repeated string ids = 2");
        assertThat(fieldsOf(SyncAuthorizedEntriesResponse.getDescriptor())).containsExactly(
                "repeated spire.api.server.entry.v1.EntryRevision entry_revisions = 1",
                "repeated spire.api.types.Entry entries = 2",
                "bool more = 3");
        assertThat(fieldsOf(EntryRevision.getDescriptor())).containsExactly(
                "string id = 1", "int64 revision_number = 2", "int64 created_at = 3");
    }

    @Test
    void svidServiceMessages() {
        assertThat(fieldsOf(NewX509SVIDParams.getDescriptor())).containsExactly("string entry_id = 1", "bytes csr = 2");
        assertThat(fieldsOf(NewDownstreamX509CAResponse.getDescriptor())).containsExactly(
                "repeated bytes ca_cert_chain = 1", "repeated bytes x509_authorities = 2");
    }

    @Test
    void workloadApiMessages() {
        assertThat(fieldsOf(X509SVIDResponse.getDescriptor())).containsExactly(
                "repeated X509SVID svids = 1",
                "repeated bytes crl = 2",
                "map<string, bytes> federated_bundles = 3");
        assertThat(fieldsOf(io.synid.api.workload.X509SVID.getDescriptor())).containsExactly(
                "string spiffe_id = 1",
                "bytes x509_svid = 2",
                "bytes x509_svid_key = 3",
                "bytes bundle = 4",
                "string hint = 5");
        assertThat(fieldsOf(JWTSVIDRequest.getDescriptor())).containsExactly(
                "repeated string audience = 1", "string spiffe_id = 2");
        assertThat(fieldsOf(io.synid.api.workload.JWTSVID.getDescriptor())).containsExactly(
                "string spiffe_id = 1", "string svid = 2", "string hint = 3");
        assertThat(fieldsOf(io.synid.api.workload.JWTBundlesResponse.getDescriptor())).containsExactly(
                "map<string, bytes> bundles = 1");
        assertThat(fieldsOf(io.synid.api.workload.ValidateJWTSVIDRequest.getDescriptor())).containsExactly(
                "string audience = 1", "string svid = 2");
        assertThat(fieldsOf(ValidateJWTSVIDResponse.getDescriptor())).containsExactly(
                "string spiffe_id = 1", "google.protobuf.Struct claims = 2");
        assertThat(fieldsOf(WITSVID.getDescriptor())).containsExactly(
                "string spiffe_id = 1", "string wit_svid = 2", "string wit_svid_key = 3", "string hint = 4");
        assertThat(fieldsOf(io.synid.api.workload.WITBundlesResponse.getDescriptor())).containsExactly(
                "map<string, string> bundles = 1");
    }
}
