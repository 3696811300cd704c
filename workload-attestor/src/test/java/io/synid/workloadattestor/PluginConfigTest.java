package io.synid.workloadattestor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class PluginConfigTest {

    @ParameterizedTest
    @CsvSource({"0,0", "500ms,500000000", "1m30s,90000000000", "2h,7200000000000", "10us,10000", "7ns,7"})
    void parsesGoDurations(String text, long nanos) {
        assertThat(PluginConfig.parseDuration(text)).contains(Duration.ofNanos(nanos));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "5", "-1s", "1.5s", "s", "1d", "1s ", " 1s", "99999999999999999999h", "1s1"})
    void rejectsMalformedDurations(String text) {
        assertThat(PluginConfig.parseDuration(text)).isEmpty();
    }

    @Test
    void reportsEveryProblemAtOnce() {
        PluginConfig config = PluginConfig.of("demo", Map.of(
                "flag", "yes", "count", 1.5, "name", 3, "wait", "soon", "list", List.of("a", 1), "typo", true));
        assertThat(config.bool("flag", false)).isFalse();
        assertThat(config.integer("count", 7)).isEqualTo(7);
        assertThat(config.string("name")).isEmpty();
        assertThat(config.duration("wait", Duration.ofSeconds(1))).isEqualTo(Duration.ofSeconds(1));
        assertThat(config.stringList("list")).isEmpty();
        config.problem("cross-field rule broken");
        assertThatThrownBy(config::finish)
                .isInstanceOfSatisfying(InvalidConfigException.class, e -> {
                    assertThat(e.plugin()).isEqualTo("demo");
                    assertThat(e.problems()).containsExactly(
                            "unknown configuration key typo",
                            "flag must be a boolean",
                            "count must be an integer",
                            "name must be a string",
                            "wait must be a duration such as \"500ms\" or \"1m30s\"",
                            "list must be a list of strings",
                            "cross-field rule broken");
                })
                .hasMessageStartingWith("workload attestor \"demo\" configuration is invalid: unknown configuration key typo; ");
    }

    @Test
    void absentKeysGiveDefaults() throws InvalidConfigException {
        PluginConfig config = PluginConfig.of("demo", Map.of());
        assertThat(config.bool("flag", true)).isTrue();
        assertThat(config.integer("count", 3)).isEqualTo(3);
        assertThat(config.string("name", "x")).isEqualTo("x");
        assertThat(config.string("other")).isEqualTo(Optional.empty());
        assertThat(config.stringList("list")).isEmpty();
        config.finish();
    }
}
