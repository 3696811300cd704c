package io.synid.harness.handshake;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;

/**
 * A test class whose tests share one {@link TwoNodes} topology: the subclass builds it in its
 * {@code @BeforeAll} (with the servers it needs) and assigns {@link #nodes}; every test then
 * starts from the baseline state, and the topology goes with the class. Test classes run one
 * after the other, so the one field serves them in turn.
 */
abstract class OnTwoNodes {

  static TwoNodes nodes;

  @AfterEach
  void resetNodes() throws Exception {
    nodes.reset();
  }

  @AfterAll
  static void stopNodes() throws Exception {
    if (nodes != null) {
      nodes.close();
      nodes = null;
    }
  }
}
