package io.synid.server.agentapi;

import static org.assertj.core.api.Assertions.assertThat;

import io.synid.api.node.v1.GetPoliciesResponse;
import io.synid.api.node.v1.PolicyDocument;
import io.synid.server.datastore.PolicyStore.PolicyState;
import io.synid.server.datastore.PolicyStore.StoredPolicy;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What {@code GetPolicies} answers an agent, by the version it holds. */
class PolicyAnswersTest {
  /** Version 7: "a" last changed in 2, "b" in 5, "c" in 7; "d" was deleted at some point. */
  private final PolicyAnswers answers = new PolicyAnswers(new PolicyState(7, Map.of(
      "a", new StoredPolicy("a", "name: a", 2),
      "b", new StoredPolicy("b", "name: b", 5),
      "c", new StoredPolicy("c", "name: c", 7)), Map.of("spiffe://example.org/db", "monitor")));

  private static String names(GetPoliciesResponse r) {
    return String.join(",", r.getPoliciesList().stream().map(PolicyDocument::getName).toList());
  }

  @Test
  void anAgentOnTheCurrentVersionIsToldNothingChanged() {
    GetPoliciesResponse r = answers.answer(7, true);
    assertThat(r.getUnchanged()).isTrue();
    assertThat(r.getVersion()).isEqualTo(7);
    assertThat(r.getPoliciesCount()).isZero();
  }

  @Test
  void anAgentThatAcceptsChangesGetsThePoliciesNewerThanItsVersionAndEveryName() {
    GetPoliciesResponse since5 = answers.answer(5, true);
    assertThat(since5.getIncremental()).isTrue();
    assertThat(names(since5)).isEqualTo("c");
    assertThat(since5.getCurrentNamesList()).containsExactly("a", "b", "c");
    assertThat(since5.getModeOverridesMap()).containsEntry("spiffe://example.org/db", "monitor");

    assertThat(names(answers.answer(4, true))).isEqualTo("b,c");
    assertThat(names(answers.answer(1, true))).isEqualTo("a,b,c");
    // The same difference is built once for every agent that asks.
    assertThat(answers.answer(5, true)).isSameAs(since5);
  }

  @Test
  void theWholeSetOtherwise() {
    for (GetPoliciesResponse r : new GetPoliciesResponse[] {
        answers.answer(5, false), // an agent that cannot apply a difference
        answers.answer(0, true), // an agent that holds nothing
        answers.answer(9, true)}) { // a version from a replaced datastore
      assertThat(r.getIncremental()).isFalse();
      assertThat(r.getUnchanged()).isFalse();
      assertThat(r.getVersion()).isEqualTo(7);
      assertThat(names(r)).isEqualTo("a,b,c");
      assertThat(r.getCurrentNamesCount()).isZero();
    }
  }

  @Test
  void manyDifferentVersionsAreAnsweredCorrectlyBeyondWhatIsKept() {
    for (int round = 0; round < 3; round++) {
      for (long known = 1; known <= 6; known++) {
        GetPoliciesResponse r = answers.answer(known, true);
        String expected = known < 2 ? "a,b,c" : known < 5 ? "b,c" : "c";
        assertThat(names(r)).as("since %d", known).isEqualTo(expected);
      }
    }
  }
}
