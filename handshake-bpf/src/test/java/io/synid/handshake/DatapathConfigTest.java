package io.synid.handshake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DatapathConfigTest {

  private static final Path CGROUP = Path.of("/sys/fs/cgroup/node");

  @Test
  void defaultsSampleAllowedEventsAndCheckInCgroupSkb() {
    DatapathConfig c = DatapathConfig.failOpen(CGROUP);
    assertThat(c.allowedEventInterval()).isEqualTo(Duration.ofSeconds(1));
    assertThat(c.tcDevices()).isEmpty();
    assertThat(c.withAllowedEventInterval(Duration.ZERO).allowedEventInterval()).isZero();
    assertThat(c.withTcIngress(List.of("eth0", "lo")).tcDevices()).containsExactly("eth0", "lo");
  }

  @Test
  void rejectsIntervalsOutsideZeroToOneHour() {
    DatapathConfig c = DatapathConfig.failOpen(CGROUP);
    assertThatThrownBy(() -> c.withAllowedEventInterval(Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> c.withAllowedEventInterval(Duration.ofHours(1).plusMillis(1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(c.withAllowedEventInterval(Duration.ofHours(1)).allowedEventInterval()).isEqualTo(Duration.ofHours(1));
  }

  @Test
  void rejectsWhatCannotBeADeviceName() {
    DatapathConfig c = DatapathConfig.failOpen(CGROUP);
    for (String bad : List.of("", "a-name-longer-than-15", "../eth0")) {
      assertThatThrownBy(() -> c.withTcIngress(List.of(bad))).as(bad).isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void deviceListIsCopied() {
    List<String> devices = new ArrayList<>(List.of("eth0"));
    DatapathConfig c = DatapathConfig.failOpen(CGROUP).withTcIngress(devices);
    devices.add("eth1");
    assertThat(c.tcDevices()).containsExactly("eth0");
  }
}
