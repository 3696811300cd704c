package io.synid.agent.cache;

import static io.synid.agent.TestPki.entry;
import static io.synid.agent.TestPki.federating;
import static io.synid.agent.TestPki.svid;
import static io.synid.agent.TestPki.trustDomain;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.synid.agent.TestPki;
import io.synid.api.spire.types.Entry;
import io.synid.core.bundle.TrustBundle;
import io.synid.core.x509.SigningAuthority;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class AgentStateTest {
  private static SigningAuthority ca;
  private static TrustBundle bundle;

  @BeforeAll
  static void pki() {
    ca = TestPki.ca("example.org");
    bundle = TestPki.bundle("example.org", ca);
  }

  private static AgentState state(Map<String, TrustBundle> federated, WorkloadSvid... svids) {
    return TestPki.state(bundle, federated, svids);
  }

  private static List<String> ids(List<WorkloadSvid> svids) {
    return svids.stream().map(s -> s.entry().getId()).toList();
  }

  @Test
  void anEntryMatchesWhenAllItsSelectorsAreAmongTheWorkloads() {
    WorkloadSvid one = svid(ca, entry("e1", "spiffe://example.org/one", 1, "unix:uid:1000"));
    WorkloadSvid two = svid(ca, entry("e2", "spiffe://example.org/two", 1,
        "unix:uid:1000", "unix:gid:50"));
    AgentState state = state(Map.of(), one, two);

    assertThat(ids(state.svidsFor(Set.of("unix:uid:1000")))).containsExactly("e1");
    assertThat(ids(state.svidsFor(Set.of("unix:uid:1000", "unix:gid:50")))).containsExactly("e1", "e2");
    assertThat(ids(state.svidsFor(Set.of("unix:uid:1000", "unix:gid:50", "docker:label:x:y"))))
        .containsExactly("e1", "e2");
    assertThat(state.svidsFor(Set.of("unix:gid:50"))).isEmpty();
    assertThat(state.svidsFor(Set.of("unix:uid:1001", "unix:gid:50"))).isEmpty();
    assertThat(state.svidsFor(Set.of())).isEmpty();
  }

  @Test
  void selectorValuesAreComparedWhole() {
    WorkloadSvid svid = svid(ca, entry("e1", "spiffe://example.org/one", 1, "unix:path:/usr/bin/app"));
    AgentState state = state(Map.of(), svid);

    assertThat(ids(state.svidsFor(Set.of("unix:path:/usr/bin/app")))).containsExactly("e1");
    assertThat(state.svidsFor(Set.of("unix:path:/usr/bin/app2"))).isEmpty();
    assertThat(state.svidsFor(Set.of("unix:path:/usr/bin"))).isEmpty();
    assertThat(state.svidsFor(Set.of("UNIX:path:/usr/bin/app"))).isEmpty();
    assertThat(state.svidsFor(Set.of("k8s:path:/usr/bin/app"))).isEmpty();
  }

  @Test
  void anEntryWithoutSelectorsNeverMatches() {
    WorkloadSvid bare = svid(ca, entry("e1", "spiffe://example.org/bare", 1));
    AgentState state = state(Map.of(), bare);

    assertThat(state.svidsFor(Set.of())).isEmpty();
    assertThat(state.svidsFor(Set.of("unix:uid:0", "unix:uid:1000"))).isEmpty();
  }

  @Test
  void anEntryWithoutAnSvidYetIsNotServed() {
    Entry pending = entry("e1", "spiffe://example.org/pending", 1, "unix:uid:1000");
    AgentState state = new AgentState(bundle, Map.of(), Map.of("e1", pending), Map.of(), true);

    assertThat(state.svidsFor(Set.of("unix:uid:1000"))).isEmpty();
  }

  @Test
  void svidsAreOrderedBySpiffeIdThenEntryId() {
    List<WorkloadSvid> svids = new ArrayList<>(List.of(
        svid(ca, entry("z-entry", "spiffe://example.org/a", 1, "unix:uid:1")),
        svid(ca, entry("b-entry", "spiffe://example.org/c", 1, "unix:uid:1")),
        svid(ca, entry("a-entry", "spiffe://example.org/c", 1, "unix:uid:1")),
        svid(ca, entry("m-entry", "spiffe://example.org/b", 1, "unix:uid:1"))));
    AgentState state = state(Map.of(), svids.toArray(WorkloadSvid[]::new));

    assertThat(ids(state.svidsFor(Set.of("unix:uid:1"))))
        .containsExactly("z-entry", "m-entry", "a-entry", "b-entry");
  }

  @Test
  void federatedBundlesAreThoseTheHeldEntriesFederateWith() {
    TrustBundle fedA = TrustBundle.empty(trustDomain("a.example"));
    TrustBundle fedB = TrustBundle.empty(trustDomain("b.example"));
    TrustBundle fedC = TrustBundle.empty(trustDomain("c.example"));
    WorkloadSvid one = svid(ca, federating(entry("e1", "spiffe://example.org/one", 1,
        "unix:uid:1"), "b.example", "a.example"));
    WorkloadSvid two = svid(ca, federating(entry("e2", "spiffe://example.org/two", 1,
        "unix:uid:2"), "c.example", "unknown.example"));
    WorkloadSvid three = svid(ca, entry("e3", "spiffe://example.org/three", 1, "unix:uid:1"));
    AgentState state = state(Map.of("a.example", fedA, "b.example", fedB, "c.example", fedC),
        one, two, three);

    List<WorkloadSvid> held = state.svidsFor(Set.of("unix:uid:1"));
    assertThat(ids(held)).containsExactly("e1", "e3");
    assertThat(state.federatedFor(held)).containsExactly(
        Map.entry("a.example", fedA), Map.entry("b.example", fedB));
    assertThat(state.federatedFor(state.svidsFor(Set.of("unix:uid:2"))))
        .as("a trust domain without a bundle is left out")
        .containsExactly(Map.entry("c.example", fedC));
    assertThat(state.federatedFor(List.of(three))).isEmpty();
    assertThat(state.federatedFor(List.of())).isEmpty();
  }

  @Test
  void aStateIsAnImmutableSnapshot() {
    WorkloadSvid one = svid(ca, entry("e1", "spiffe://example.org/one", 1, "unix:uid:1"));
    Map<String, Entry> entries = new LinkedHashMap<>(Map.of("e1", one.entry()));
    Map<String, WorkloadSvid> svids = new LinkedHashMap<>(Map.of("e1", one));
    AgentState state = new AgentState(bundle, new HashMap<>(), entries, svids, true);
    entries.clear();
    svids.clear();

    assertThat(state.entries()).containsOnlyKeys("e1");
    assertThat(ids(state.svidsFor(Set.of("unix:uid:1")))).containsExactly("e1");
    assertThatThrownBy(() -> state.svids().clear()).isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void theInitialStateIsNotReadyAndServesNothing() {
    AgentState initial = AgentState.initial(bundle);

    assertThat(initial.ready()).isFalse();
    assertThat(initial.bundle()).isEqualTo(bundle);
    assertThat(initial.entries()).isEmpty();
    assertThat(initial.svidsFor(Set.of("unix:uid:0"))).isEmpty();
  }

  @Test
  void spiffeIdOfAnEntry() {
    assertThat(AgentState.spiffeId(entry("e", "spiffe://example.org/ns/prod/sa/web", 1)))
        .isEqualTo("spiffe://example.org/ns/prod/sa/web");
  }

  @Test
  void anSvidRotatesHalfWayThroughItsLifetime() {
    WorkloadSvid svid = svid(ca, entry("e1", "spiffe://example.org/one", 1, "unix:uid:1"));
    java.time.Instant notBefore = svid.leaf().getNotBefore().toInstant();

    assertThat(svid.rotateAt()).isEqualTo(
        notBefore.plus(Duration.between(notBefore, svid.notAfter()).dividedBy(2)));
    assertThat(svid.serialHex()).isEqualTo(svid.leaf().getSerialNumber().toString(16));
    assertThat(svid.toString()).isEqualTo("WorkloadSvid[e1, serial " + svid.serialHex() + "]")
        .doesNotContain(svid.key().toString());
  }
}
