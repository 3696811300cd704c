package io.synid.api;

import static io.grpc.MethodDescriptor.MethodType.BIDI_STREAMING;
import static io.grpc.MethodDescriptor.MethodType.SERVER_STREAMING;
import static io.grpc.MethodDescriptor.MethodType.UNARY;
import static java.util.Map.entry;
import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.MethodDescriptor;
import io.grpc.MethodDescriptor.MethodType;
import io.grpc.ServiceDescriptor;
import io.synid.api.spire.server.agent.v1.AgentGrpc;
import io.synid.api.spire.server.bundle.v1.BundleGrpc;
import io.synid.api.spire.server.entry.v1.EntryGrpc;
import io.synid.api.spire.server.svid.v1.SVIDGrpc;
import io.synid.api.spire.server.trustdomain.v1.TrustDomainGrpc;
import io.synid.api.workload.SpiffeWorkloadAPIGrpc;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Pins the wire names and streaming kinds of every RPC. A SPIRE agent or CLI addresses a method
 * only by its full name, so any change here breaks interoperability.
 */
class ServiceMethodsTest {

    private static Map<String, MethodType> methodsOf(ServiceDescriptor service) {
        return service.getMethods().stream()
                .collect(Collectors.toMap(MethodDescriptor::getFullMethodName, MethodDescriptor::getType));
    }

    @Test
    void entryService() {
        assertThat(EntryGrpc.SERVICE_NAME).isEqualTo("spire.api.server.entry.v1.Entry");
        assertThat(methodsOf(EntryGrpc.getServiceDescriptor())).containsExactlyInAnyOrderEntriesOf(Map.ofEntries(
                entry("spire.api.server.entry.v1.Entry/CountEntries", UNARY),
                entry("spire.api.server.entry.v1.Entry/ListEntries", UNARY),
                entry("spire.api.server.entry.v1.Entry/GetEntry", UNARY),
                entry("spire.api.server.entry.v1.Entry/BatchCreateEntry", UNARY),
                entry("spire.api.server.entry.v1.Entry/BatchUpdateEntry", UNARY),
                entry("spire.api.server.entry.v1.Entry/BatchDeleteEntry", UNARY),
                entry("spire.api.server.entry.v1.Entry/GetAuthorizedEntries", UNARY),
                entry("spire.api.server.entry.v1.Entry/SyncAuthorizedEntries", BIDI_STREAMING)));

        MethodDescriptor<?, ?> sync = EntryGrpc.getSyncAuthorizedEntriesMethod();
        assertThat(sync.getFullMethodName()).isEqualTo("spire.api.server.entry.v1.Entry/SyncAuthorizedEntries");
        assertThat(sync.getType()).isEqualTo(BIDI_STREAMING);
        assertThat(EntryGrpc.getGetEntryMethod().getResponseMarshaller().parse(
                        io.synid.api.spire.types.Entry.getDefaultInstance().toByteString().newInput()))
                .isInstanceOf(io.synid.api.spire.types.Entry.class);
    }

    @Test
    void bundleService() {
        assertThat(BundleGrpc.SERVICE_NAME).isEqualTo("spire.api.server.bundle.v1.Bundle");
        assertThat(methodsOf(BundleGrpc.getServiceDescriptor())).containsExactlyInAnyOrderEntriesOf(Map.ofEntries(
                entry("spire.api.server.bundle.v1.Bundle/CountBundles", UNARY),
                entry("spire.api.server.bundle.v1.Bundle/GetBundle", UNARY),
                entry("spire.api.server.bundle.v1.Bundle/AppendBundle", UNARY),
                entry("spire.api.server.bundle.v1.Bundle/PublishJWTAuthority", UNARY),
                entry("spire.api.server.bundle.v1.Bundle/PublishWITAuthority", UNARY),
                entry("spire.api.server.bundle.v1.Bundle/ListFederatedBundles", UNARY),
                entry("spire.api.server.bundle.v1.Bundle/GetFederatedBundle", UNARY),
                entry("spire.api.server.bundle.v1.Bundle/BatchCreateFederatedBundle", UNARY),
                entry("spire.api.server.bundle.v1.Bundle/BatchUpdateFederatedBundle", UNARY),
                entry("spire.api.server.bundle.v1.Bundle/BatchSetFederatedBundle", UNARY),
                entry("spire.api.server.bundle.v1.Bundle/BatchDeleteFederatedBundle", UNARY)));
    }

    @Test
    void agentService() {
        assertThat(AgentGrpc.SERVICE_NAME).isEqualTo("spire.api.server.agent.v1.Agent");
        assertThat(methodsOf(AgentGrpc.getServiceDescriptor())).containsExactlyInAnyOrderEntriesOf(Map.ofEntries(
                entry("spire.api.server.agent.v1.Agent/CountAgents", UNARY),
                entry("spire.api.server.agent.v1.Agent/ListAgents", UNARY),
                entry("spire.api.server.agent.v1.Agent/GetAgent", UNARY),
                entry("spire.api.server.agent.v1.Agent/DeleteAgent", UNARY),
                entry("spire.api.server.agent.v1.Agent/BanAgent", UNARY),
                entry("spire.api.server.agent.v1.Agent/AttestAgent", BIDI_STREAMING),
                entry("spire.api.server.agent.v1.Agent/RenewAgent", UNARY),
                entry("spire.api.server.agent.v1.Agent/CreateJoinToken", UNARY),
                entry("spire.api.server.agent.v1.Agent/PostStatus", UNARY)));

        assertThat(AgentGrpc.getAttestAgentMethod().getFullMethodName())
                .isEqualTo("spire.api.server.agent.v1.Agent/AttestAgent");
    }

    @Test
    void svidService() {
        assertThat(SVIDGrpc.SERVICE_NAME).isEqualTo("spire.api.server.svid.v1.SVID");
        assertThat(methodsOf(SVIDGrpc.getServiceDescriptor())).containsExactlyInAnyOrderEntriesOf(Map.ofEntries(
                entry("spire.api.server.svid.v1.SVID/MintX509SVID", UNARY),
                entry("spire.api.server.svid.v1.SVID/MintJWTSVID", UNARY),
                entry("spire.api.server.svid.v1.SVID/MintWITSVID", UNARY),
                entry("spire.api.server.svid.v1.SVID/BatchNewX509SVID", UNARY),
                entry("spire.api.server.svid.v1.SVID/NewJWTSVID", UNARY),
                entry("spire.api.server.svid.v1.SVID/BatchNewWITSVID", UNARY),
                entry("spire.api.server.svid.v1.SVID/NewDownstreamX509CA", UNARY)));
    }

    @Test
    void trustDomainService() {
        assertThat(TrustDomainGrpc.SERVICE_NAME).isEqualTo("spire.api.server.trustdomain.v1.TrustDomain");
        assertThat(methodsOf(TrustDomainGrpc.getServiceDescriptor())).containsExactlyInAnyOrderEntriesOf(Map.ofEntries(
                entry("spire.api.server.trustdomain.v1.TrustDomain/ListFederationRelationships", UNARY),
                entry("spire.api.server.trustdomain.v1.TrustDomain/GetFederationRelationship", UNARY),
                entry("spire.api.server.trustdomain.v1.TrustDomain/BatchCreateFederationRelationship", UNARY),
                entry("spire.api.server.trustdomain.v1.TrustDomain/BatchUpdateFederationRelationship", UNARY),
                entry("spire.api.server.trustdomain.v1.TrustDomain/BatchDeleteFederationRelationship", UNARY),
                entry("spire.api.server.trustdomain.v1.TrustDomain/RefreshBundle", UNARY)));
    }

    @Test
    void workloadApiHasNoPackage() {
        assertThat(SpiffeWorkloadAPIGrpc.SERVICE_NAME).isEqualTo("SpiffeWorkloadAPI");
        assertThat(methodsOf(SpiffeWorkloadAPIGrpc.getServiceDescriptor())).containsExactlyInAnyOrderEntriesOf(Map.ofEntries(
                entry("SpiffeWorkloadAPI/FetchX509SVID", SERVER_STREAMING),
                entry("SpiffeWorkloadAPI/FetchX509Bundles", SERVER_STREAMING),
                entry("SpiffeWorkloadAPI/FetchJWTSVID", UNARY),
                entry("SpiffeWorkloadAPI/FetchJWTBundles", SERVER_STREAMING),
                entry("SpiffeWorkloadAPI/ValidateJWTSVID", UNARY),
                entry("SpiffeWorkloadAPI/FetchWITSVID", SERVER_STREAMING),
                entry("SpiffeWorkloadAPI/FetchWITBundles", SERVER_STREAMING)));

        assertThat(SpiffeWorkloadAPIGrpc.getFetchX509SVIDMethod().getFullMethodName())
                .isEqualTo("SpiffeWorkloadAPI/FetchX509SVID");
    }
}
