package io.exflow.runtime.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import org.eclipse.microprofile.config.Config;

import io.quarkus.runtime.configuration.DurationConverter;

/**
 * Reads exflow's settings from their keys and collects every problem, each naming the environment
 * variable the operator sets, instead of failing at the first: {@link ExflowSettings}, the api's
 * and the sla-monitor's settings all read through it, so start-up reports everything at once.
 * A bad value yields a harmless placeholder so reading can go on; {@link #failIfProblems()} ends it.
 */
public final class SettingsReader {
    private final Config config;
    private final List<String> problems = new ArrayList<>();

    public SettingsReader(Config config) {
        this.config = config;
    }

    public void problem(String variable, String message) {
        problems.add(new InvalidConfigException(variable, message).getMessage());
    }

    /** Adds another reader's (or a caught exception's) problem as it is. */
    public void problem(InvalidConfigException e) {
        problems.add(e.getMessage());
    }

    /** Stops start-up with every problem found, if any. */
    public void failIfProblems() {
        if (!problems.isEmpty()) {
            throw new IllegalStateException("exflow cannot start:\n  - " + String.join("\n  - ", problems));
        }
    }

    /** The trimmed value of a key; empty when unset. */
    public String string(String key) {
        return config.getOptionalValue(key, String.class).orElse("").trim();
    }

    public long longValue(String key, String variable) {
        String raw = string(key);
        try {
            return Long.parseLong(raw);
        } catch (NumberFormatException e) {
            problem(variable, "must be an integer, was '" + raw + "'");
            return 0;
        }
    }

    public int intIn(String key, String variable, int min, int max) {
        String raw = string(key);
        try {
            int value = Integer.parseInt(raw);
            if (value < min || value > max) {
                problem(variable, "must be between " + min + " and " + max + ", was " + value);
            }
            return value;
        } catch (NumberFormatException e) {
            problem(variable, "must be an integer, was '" + raw + "'");
            return min;
        }
    }

    /** A number in (min, max]; {@code fallback} stands in for a bad one. */
    public double fractionAbove(String key, String variable, double min, double max, double fallback) {
        String raw = string(key);
        try {
            double value = Double.parseDouble(raw);
            if (value > min && value <= max) {
                return value;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        problem(variable, "must be a number in (" + min + ", " + max + "], was '" + raw + "'");
        return fallback;
    }

    public boolean bool(String key, String variable) {
        String raw = string(key).toLowerCase(Locale.ROOT);
        if (!raw.equals("true") && !raw.equals("false")) {
            problem(variable, "must be true or false, was '" + raw + "'");
        }
        return raw.equals("true");
    }

    /** A positive duration in either syntax of {@link #parseDuration(String)}. */
    public Duration duration(String key, String variable) {
        String raw = string(key);
        try {
            Duration value = parseDuration(raw);
            if (value.isNegative() || value.isZero()) {
                problem(variable, "must be a positive duration, was '" + raw + "'");
            }
            return value;
        } catch (RuntimeException e) {
            problem(variable, "must be a duration such as 500ms, 5s, 2m, 1h or PT0.5S, was '" + raw + "'");
            return Duration.ofSeconds(1);
        }
    }

    /**
     * The one duration syntax of every exflow setting: Quarkus' own ({@link DurationConverter}, which
     * also reads {@code quarkus.*} durations such as SHUTDOWN_TIMEOUT), so a value means the same
     * wherever it is set: ISO-8601 ({@code PT0.5S}, {@code P1D}), the short forms {@code 500ms},
     * {@code 5s}, {@code 2m}, {@code 1h}, {@code 2d}, or a bare number of seconds.
     */
    public static Duration parseDuration(String raw) {
        Duration value = DurationConverter.parseDuration(raw);
        if (value == null) {
            throw new IllegalArgumentException("empty duration");
        }
        return value;
    }

    public Set<String> csvSet(String key) {
        Set<String> values = new LinkedHashSet<>();
        for (String part : string(key).split(",")) {
            if (!part.isBlank()) {
                values.add(part.trim());
            }
        }
        return Set.copyOf(values);
    }

    /** Entries {@code <name>=<count ≥ 1>}, comma-separated. */
    public Map<String, Integer> positiveCounts(String key, String variable, String entryName) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (String part : csvSet(key)) {
            String[] kv = part.split("=", 2);
            try {
                int count = Integer.parseInt(kv[1].trim());
                if (count < 1) {
                    throw new NumberFormatException();
                }
                counts.put(kv[0].trim(), count);
            } catch (RuntimeException e) {
                problem(variable, "entries must look like " + entryName + ", was '" + part + "'");
            }
        }
        return Map.copyOf(counts);
    }

    /** A value that must match {@code pattern}; {@code what} says what it must be. */
    public String matching(String key, String variable, String pattern, String what) {
        String value = string(key);
        if (!value.matches(pattern)) {
            problem(variable, what + ", was '" + value + "'");
        }
        return value;
    }
}
