package io.synid.core.selector;

import static io.synid.core.selector.InvalidSelectorException.CONTROL_CHARACTER;
import static io.synid.core.selector.InvalidSelectorException.EMPTY_TYPE;
import static io.synid.core.selector.InvalidSelectorException.EMPTY_VALUE;
import static io.synid.core.selector.InvalidSelectorException.MISSING_COLON;
import static io.synid.core.selector.InvalidSelectorException.TOO_LONG;
import static io.synid.core.selector.InvalidSelectorException.TYPE_CONTAINS_COLON;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SelectorTest {

    static Stream<Arguments> validSelectors() {
        return Stream.of(
                Arguments.of("unix:uid:1000", "unix", "uid:1000"),
                Arguments.of("k8s:ns:default", "k8s", "ns:default"),
                Arguments.of("docker:label:com.example:app=web", "docker", "label:com.example:app=web"),
                Arguments.of("a:b", "a", "b"),
                Arguments.of("aws_iid:tag:Name:web server", "aws_iid", "tag:Name:web server"),
                Arguments.of("x::", "x", ":"),
                Arguments.of("unix:path:/usr/bin/ü", "unix", "path:/usr/bin/ü"));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("validSelectors")
    void splitsAtTheFirstColon(String input, String type, String value) throws Exception {
        Selector selector = Selector.parse(input);
        assertThat(selector.type()).isEqualTo(type);
        assertThat(selector.value()).isEqualTo(value);
        assertThat(selector.toString()).isEqualTo(input);
        assertThat(selector).isEqualTo(new Selector(type, value)).isEqualTo(Selector.of(type, value));
    }

    static Stream<Arguments> malformedSelectors() {
        return Stream.of(
                Arguments.of("", MISSING_COLON),
                Arguments.of("unix", MISSING_COLON),
                Arguments.of("unix-uid-1000", MISSING_COLON),
                Arguments.of(":uid:1000", EMPTY_TYPE),
                Arguments.of(":", EMPTY_TYPE),
                Arguments.of("unix:", EMPTY_VALUE),
                Arguments.of("unix:uid:1000\n", CONTROL_CHARACTER),
                Arguments.of("unix:uid\u0000", CONTROL_CHARACTER),
                Arguments.of("un\tix:uid:1", CONTROL_CHARACTER),
                Arguments.of("unix:uid:\u007f", CONTROL_CHARACTER),
                Arguments.of("unix:uid:\u0085", CONTROL_CHARACTER),
                Arguments.of("unix:\r", CONTROL_CHARACTER),
                Arguments.of("unix:" + "a".repeat(1020), TOO_LONG),
                Arguments.of("a".repeat(2000), TOO_LONG));
    }

    @ParameterizedTest(name = "[{index}] {1}")
    @MethodSource("malformedSelectors")
    void rejectsMalformedSelectors(String input, String expectedMessage) {
        assertThatThrownBy(() -> Selector.parse(input))
                .isInstanceOf(InvalidSelectorException.class)
                .hasMessage(expectedMessage);
    }

    @Test
    void acceptsExactlyTheMaximumLength() throws Exception {
        String longest = "unix:" + "a".repeat(Selector.MAX_LENGTH - 5);
        assertThat(Selector.parse(longest).toString()).hasSize(1024);
    }

    @Test
    void ofRejectsTypesWithColonsAndEmptyParts() {
        assertThatThrownBy(() -> Selector.of("k8s:ns", "default")).hasMessage(TYPE_CONTAINS_COLON);
        assertThatThrownBy(() -> Selector.of("", "x")).hasMessage(EMPTY_TYPE);
        assertThatThrownBy(() -> Selector.of("x", "")).hasMessage(EMPTY_VALUE);
    }

    @Test
    void constructorRejectsInvalidPartsAsProgrammingErrors() {
        assertThatThrownBy(() -> new Selector("k8s:ns", "default"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(TYPE_CONTAINS_COLON);
        assertThatThrownBy(() -> new Selector("unix", ""))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(EMPTY_VALUE);
    }

    @Test
    void ordersByTypeThenValue() throws Exception {
        TreeSet<Selector> sorted = new TreeSet<>(List.of(
                Selector.parse("unix:uid:2"), Selector.parse("k8s:ns:b"), Selector.parse("unix:gid:1"),
                Selector.parse("k8s:ns:a")));
        assertThat(sorted).extracting(Selector::toString)
                .containsExactly("k8s:ns:a", "k8s:ns:b", "unix:gid:1", "unix:uid:2");
    }
}
