package io.synid.agent.workload;

import static io.synid.agent.TestPki.entry;
import static io.synid.agent.TestPki.svid;
import static org.assertj.core.api.Assertions.assertThat;

import io.synid.agent.TestPki;
import io.synid.agent.cache.AgentState;
import io.synid.agent.cache.WorkloadSvid;
import io.synid.api.spire.types.Entry;
import io.synid.api.workload.X509SVIDResponse;
import io.synid.core.bundle.TrustBundle;
import io.synid.core.x509.SigningAuthority;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class X509ResponsesTest {
  private static SigningAuthority ca;
  private static TrustBundle bundle;

  @BeforeAll
  static void pki() {
    ca = TestPki.ca("example.org");
    bundle = TestPki.bundle("example.org", ca);
  }

  private static AgentState state(WorkloadSvid... svids) {
    return TestPki.state(bundle, Map.of(), svids);
  }

  @Test
  void aResponseIsBuiltOncePerStateAndSelectorSet() throws Exception {
    WorkloadSvid one = svid(ca, entry("e1", "spiffe://example.org/one", 1, "unix:uid:1000"));
    WorkloadSvid two = svid(ca, entry("e2", "spiffe://example.org/two", 1, "unix:gid:50"));
    AgentState state = state(one, two);
    X509Responses responses = new X509Responses();

    X509Responses.Delivery first = responses.forCaller(state, Set.of("unix:uid:1000"));
    assertThat(responses.forCaller(state, Set.of("unix:uid:1000"))).isSameAs(first);
    X509SVIDResponse response = first.response();
    assertThat(response.getSvidsList()).hasSize(1);
    assertThat(response.getSvids(0).getSpiffeId()).isEqualTo("spiffe://example.org/one");
    assertThat(response.getSvids(0).getX509Svid().toByteArray())
        .isEqualTo(one.leaf().getEncoded());
    assertThat(response.getSvids(0).getX509SvidKey().toByteArray())
        .isEqualTo(one.key().getEncoded());
    assertThat(response.getSvids(0).getBundle().toByteArray())
        .isEqualTo(ca.certificate().getEncoded());
    assertThat(first.svids()).containsExactly(new X509Responses.Delivered(
        "spiffe://example.org/one", one.serialHex(), one.notAfter().toString()));

    X509Responses.Delivery both = responses.forCaller(state, Set.of("unix:uid:1000", "unix:gid:50"));
    assertThat(both.response().getSvidsList()).extracting(s -> s.getSpiffeId())
        .containsExactly("spiffe://example.org/one", "spiffe://example.org/two");

    X509Responses.Delivery none = responses.forCaller(state, Set.of("unix:uid:1001"));
    assertThat(none.response()).isNull();
    assertThat(none.svids()).isEmpty();
  }

  @Test
  void aNewStateIsServedItsOwnSvids() {
    Entry entry = entry("e1", "spiffe://example.org/one", 1, "unix:uid:1000");
    WorkloadSvid old = svid(ca, entry);
    WorkloadSvid rotated = svid(ca, entry);
    X509Responses responses = new X509Responses();
    Set<String> selectors = Set.of("unix:uid:1000");

    assertThat(responses.forCaller(state(old), selectors).svids().get(0).serialHex())
        .isEqualTo(old.serialHex());
    assertThat(responses.forCaller(state(rotated), selectors).svids().get(0).serialHex())
        .isEqualTo(rotated.serialHex())
        .isNotEqualTo(old.serialHex());
    assertThat(responses.forCaller(state(), selectors).response()).isNull();
  }

  @Test
  void manySelectorSetsStartTheCacheOverWithoutChangingAnswers() {
    WorkloadSvid one = svid(ca, entry("e1", "spiffe://example.org/one", 1, "unix:uid:1000"));
    AgentState state = state(one);
    X509Responses responses = new X509Responses();
    X509Responses.Delivery first = responses.forCaller(state, Set.of("unix:uid:1000"));
    for (int i = 0; i < X509Responses.MAX_SELECTOR_SETS; i++) {
      assertThat(responses.forCaller(state, Set.of("unix:uid:1000", "unix:pid:" + i)).svids())
          .hasSize(1);
    }
    X509Responses.Delivery again = responses.forCaller(state, Set.of("unix:uid:1000"));
    assertThat(again).isNotSameAs(first);
    assertThat(again.response()).isEqualTo(first.response());
  }
}
