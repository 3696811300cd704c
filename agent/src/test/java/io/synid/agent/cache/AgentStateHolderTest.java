package io.synid.agent.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.synid.agent.TestPki;
import io.synid.core.bundle.TrustBundle;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AgentStateHolderTest {
  private static final AgentState INITIAL =
      AgentState.initial(TrustBundle.empty(TestPki.trustDomain("example.org")));

  private static AgentState ready(long sequence) {
    return new AgentState(new TrustBundle(TestPki.trustDomain("example.org"), List.of(),
        List.of(), sequence, java.time.Duration.ZERO), Map.of(), Map.of(), Map.of(), true);
  }

  @Test
  void aSubscriberGetsTheCurrentStateAtOnceThenEveryPublishedOneInOrder() {
    AgentStateHolder holder = new AgentStateHolder(INITIAL);
    List<AgentState> seen = new ArrayList<>();
    StateListener listener = seen::add;

    holder.subscribe(listener);
    AgentState first = ready(1);
    AgentState second = ready(2);
    holder.publish(first);
    holder.publish(second);
    holder.unsubscribe(listener);
    holder.publish(ready(3));

    assertThat(seen).containsExactly(INITIAL, first, second);
    assertThat(holder.current()).isEqualTo(ready(3));
  }

  @Test
  void aLateSubscriberStartsFromTheLatestState() {
    AgentStateHolder holder = new AgentStateHolder(INITIAL);
    holder.publish(ready(7));
    List<AgentState> seen = new ArrayList<>();

    holder.subscribe(seen::add);

    assertThat(seen).containsExactly(ready(7));
  }
}
