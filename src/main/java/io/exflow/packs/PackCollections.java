package io.exflow.packs;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Defensive, unmodifiable copies for pack records. Unlike {@code List.copyOf} these keep null
 * elements, so a pack file with a null entry reaches validation (which names the field)
 * instead of failing inside Jackson with an anonymous NullPointerException.
 */
final class PackCollections {

    private PackCollections() {
    }

    static <T> List<T> list(List<T> source) {
        return source == null ? List.of() : Collections.unmodifiableList(new ArrayList<>(source));
    }

    static <T> Set<T> set(Set<T> source) {
        return source == null ? Set.of() : Collections.unmodifiableSet(new LinkedHashSet<>(source));
    }

    static Set<Severity> severities(Set<Severity> source) {
        if (source == null || source.isEmpty()) {
            return Set.of();
        }
        if (source.stream().anyMatch(java.util.Objects::isNull)) {
            return Collections.unmodifiableSet(new LinkedHashSet<>(source));
        }
        return Collections.unmodifiableSet(EnumSet.copyOf(source));
    }

    static <K, V> Map<K, V> map(Map<K, V> source) {
        return source == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(source));
    }

    static <V> Map<Severity, V> bySeverity(Map<Severity, V> source) {
        return source == null || source.isEmpty()
                ? Map.of()
                : Collections.unmodifiableMap(new EnumMap<>(source));
    }
}
