package io.synid.workloadattestor;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a plugin's raw configuration key by key and collects every problem instead of stopping at
 * the first, so that a factory's validating function can report all errors at once.
 *
 * <p>Typical use: read every key with a typed accessor (which returns the default when the key is
 * absent or invalid and records a problem when invalid), add cross-field problems with
 * {@link #problem}, then call {@link #finish}, which also rejects keys that were never read.
 * Instances are single-use and not thread-safe.
 */
public final class PluginConfig {

    // Go's time.ParseDuration syntax, which SPIRE's configuration uses: "500ms", "1m30s".
    private static final Pattern DURATION_PART = Pattern.compile("(\\d+)(ns|us|µs|ms|s|m|h)");

    private final String plugin;
    private final Map<String, ?> raw;
    private final Set<String> read = new HashSet<>();
    private final List<String> problems = new ArrayList<>();

    private PluginConfig(String plugin, Map<String, ?> raw) {
        this.plugin = plugin;
        this.raw = raw;
    }

    /** Starts reading {@code raw} for {@code plugin}. */
    public static PluginConfig of(String plugin, Map<String, ?> raw) {
        Objects.requireNonNull(plugin, "plugin");
        Objects.requireNonNull(raw, "raw");
        return new PluginConfig(plugin, raw);
    }

    /** Whether {@code key} is present (a null value counts as absent). */
    public boolean has(String key) {
        read.add(key);
        return raw.get(key) != null;
    }

    /** A string value; a non-string value is a problem. */
    public Optional<String> string(String key) {
        Object value = value(key);
        if (value == null) {
            return Optional.empty();
        }
        if (value instanceof String s) {
            return Optional.of(s);
        }
        problem(key + " must be a string");
        return Optional.empty();
    }

    /** A string value, or {@code defaultValue} when absent or invalid. */
    public String string(String key, String defaultValue) {
        return string(key).orElse(defaultValue);
    }

    /** A boolean value, or {@code defaultValue} when absent or invalid. */
    public boolean bool(String key, boolean defaultValue) {
        Object value = value(key);
        if (value == null) {
            return defaultValue;
        }
        if (value instanceof Boolean b) {
            return b;
        }
        problem(key + " must be a boolean");
        return defaultValue;
    }

    /** An integral value, or {@code defaultValue} when absent or invalid. */
    public long integer(String key, long defaultValue) {
        Object value = value(key);
        if (value == null) {
            return defaultValue;
        }
        if (value instanceof Integer || value instanceof Long || value instanceof Short || value instanceof Byte) {
            return ((Number) value).longValue();
        }
        if (value instanceof java.math.BigInteger big && big.bitLength() < 64) {
            return big.longValue();
        }
        problem(key + " must be an integer");
        return defaultValue;
    }

    /**
     * A duration written as Go's {@code time.ParseDuration} does ({@code "500ms"}, {@code "1m30s"}),
     * or {@code defaultValue} when absent or invalid. Negative durations are problems.
     */
    public Duration duration(String key, Duration defaultValue) {
        Optional<String> text = string(key);
        if (text.isEmpty()) {
            return defaultValue;
        }
        Optional<Duration> parsed = parseDuration(text.get());
        if (parsed.isEmpty()) {
            problem(key + " must be a duration such as \"500ms\" or \"1m30s\"");
            return defaultValue;
        }
        return parsed.get();
    }

    /** A list of strings; absent means empty. A non-list or a non-string element is a problem. */
    public List<String> stringList(String key) {
        Object value = value(key);
        if (value == null) {
            return List.of();
        }
        if (!(value instanceof List<?> list)) {
            problem(key + " must be a list of strings");
            return List.of();
        }
        List<String> out = new ArrayList<>(list.size());
        for (Object element : list) {
            if (!(element instanceof String s)) {
                problem(key + " must be a list of strings");
                return List.of();
            }
            out.add(s);
        }
        return List.copyOf(out);
    }

    /** Records a problem found by the caller (a cross-field rule, an out-of-range value). */
    public void problem(String message) {
        problems.add(message);
    }

    /**
     * Ends reading: reports keys that no accessor asked for, then throws if any problem was found.
     *
     * @throws InvalidConfigException listing every problem, unknown keys first (sorted)
     */
    public void finish() throws InvalidConfigException {
        List<String> all = new ArrayList<>();
        Set<String> unknown = new TreeSet<>();
        for (Object key : raw.keySet()) {
            if (!(key instanceof String s) || !read.contains(s)) {
                unknown.add(String.valueOf(key));
            }
        }
        for (String key : unknown) {
            all.add("unknown configuration key " + key);
        }
        all.addAll(problems);
        if (!all.isEmpty()) {
            throw new InvalidConfigException(plugin, all);
        }
    }

    private Object value(String key) {
        read.add(key);
        return raw.get(key);
    }

    /** Parses Go's duration syntax (unsigned); {@code "0"} is zero. */
    static Optional<Duration> parseDuration(String text) {
        if (text.equals("0")) {
            return Optional.of(Duration.ZERO);
        }
        if (text.isEmpty() || text.length() > 64) {
            return Optional.empty();
        }
        Matcher m = DURATION_PART.matcher(text);
        Duration total = Duration.ZERO;
        int at = 0;
        try {
            while (at < text.length()) {
                if (!m.find(at) || m.start() != at) {
                    return Optional.empty();
                }
                long amount = Long.parseLong(m.group(1));
                Duration part = switch (m.group(2)) {
                    case "ns" -> Duration.ofNanos(amount);
                    case "us", "µs" -> Duration.ofNanos(Math.multiplyExact(amount, 1000L));
                    case "ms" -> Duration.ofMillis(amount);
                    case "s" -> Duration.ofSeconds(amount);
                    case "m" -> Duration.ofMinutes(amount);
                    default -> Duration.ofHours(amount);
                };
                total = total.plus(part);
                at = m.end();
            }
        } catch (ArithmeticException | NumberFormatException e) {
            return Optional.empty();
        }
        return Optional.of(total);
    }
}
